"""Writers of results: the results folder (CSV + JSON) and, later, workbooks and charts."""
