"""Files that users bring: reading every accepted format safely, placing their records, styling them."""
