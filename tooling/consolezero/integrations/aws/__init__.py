"""AWS access for plan and apply: ``port`` (the interface, our own types) and ``boto`` (the only boto3 user).

Importing this package imports neither boto3 nor botocore; only :mod:`consolezero.integrations.aws.boto` does.
"""
