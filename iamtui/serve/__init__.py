"""`iamtui serve`: IAM and STS over AWS's wire protocol (query protocol, SigV4)."""
