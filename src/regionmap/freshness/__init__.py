"""How current the partners' records are, and what the history tells about the past (no Streamlit here).

`states`: a record's confirmation date and its state against its layer's maximum age (confirmed, due, overdue), the
per-layer counts of the data page and each organisation's due list. `history`: the stock of a layer as it was on a
day, from the current records and the append-only editing history. `monitoring`: the yearly site monitoring's figures
from the history (`report` renders them as XLSX and PDF). `stock` reads the records from a store; `commands` holds
the command-line side (`regionmap freshness`, `sites`, `monitoring`).
"""
