"""errorstream: event-sourced error management on Kafka."""

__version__ = "0.1.0"
