"""Missing data: multiple imputation and Rubin's rules for pooling the analyses of the completed data sets."""
