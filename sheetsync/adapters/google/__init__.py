"""The Google adapters: Sheets (gspread), Calendar and Gmail (google-api-python-client).

Also what they share (HTTP, errors, retries, batches, client construction), the credentials
and ``init`` through the API. Nothing here is imported on the local backend's paths.
"""
