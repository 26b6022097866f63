"""lifecycle-warehouse: the domain library and the ``lifecycle`` command line."""

__version__ = "0.1.0"
