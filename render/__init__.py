"""``make render``: the demo workbook's tabs as pictures, as LibreOffice prints them."""
