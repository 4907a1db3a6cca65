"""Structured logging and CloudWatch metrics, configured by the POWERTOOLS_* environment."""

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()
