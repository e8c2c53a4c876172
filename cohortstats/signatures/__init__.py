"""Signatures and reader agreement: ICC, Cohen's and weighted kappa, feature screens, LASSO signatures."""
