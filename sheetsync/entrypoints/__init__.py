"""Entry points: thin shells over the service layer.

The Cloud Functions (``functions``, ``addon``), the add-on's cards, the mapping of failures to
answers, and the command line with its report and demo. Nothing here is imported by the layers
below.
"""
