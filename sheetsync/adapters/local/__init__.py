"""The local adapters: an ``.xlsx`` workbook, one ``.ics`` calendar and ``.eml`` drafts."""
