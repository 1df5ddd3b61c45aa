"""The policy language: parse, validate, compile, evaluate, explain. Pure: no I/O."""
