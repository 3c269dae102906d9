"""Where registers live and how their bytes are read and written."""
