"""iamtui: identity and access management with the semantics of AWS IAM."""

__version__ = "0.1.0"
