"""Reading publisher files (Eurostat TSV, SDMX-CSV, JSON-stat, tidy CSV/XLSX) and the demo panel."""
