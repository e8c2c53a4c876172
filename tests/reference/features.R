# Reference values for cohortstats.features: psych::ICC and glmnet / cv.glmnet (R 4.2.2).
# Run from this folder: Rscript features.R
suppressMessages({library(psych); library(glmnet)})
# --- ICC: Shrout & Fleiss' 6 x 4 example (targets x judges) and a two-reader data set
sf <- matrix(c(9, 2, 5, 8, 6, 1, 3, 2, 8, 4, 6, 8, 7, 1, 2, 6, 10, 5, 6, 9, 6, 2, 4, 7), ncol = 4, byrow = TRUE)
write.csv(sf, "icc_shrout_fleiss.csv", row.names = FALSE)
set.seed(7)
truth <- rnorm(40, 10, 3)
two <- cbind(r1 = truth + rnorm(40, 0, 1), r2 = truth + 0.5 + rnorm(40, 0, 1.2))
write.csv(data.frame(r1 = sprintf("%.17g", two[, 1]), r2 = sprintf("%.17g", two[, 2])), "icc_two_readers.csv", row.names = FALSE)
rows <- list()
for (nm in c("sf", "two")) {
  m <- if (nm == "sf") sf else two
  r <- ICC(m, lmer = FALSE)$results
  for (i in seq_len(nrow(r))) {
    rows[[length(rows) + 1]] <- data.frame(data = nm, type = r$type[i], estimate = sprintf("%.17g", r$ICC[i]),
      f = sprintf("%.17g", r$F[i]), df1 = r$df1[i], df2 = r$df2[i], p = sprintf("%.17g", r$p[i]),
      lower = sprintf("%.17g", r[i, "lower bound"]), upper = sprintf("%.17g", r[i, "upper bound"]))
  }
}
write.csv(do.call(rbind, rows), "icc_reference.csv", row.names = FALSE)

# --- glmnet on breast_cancer.csv (binomial LASSO, standardize = TRUE), tight convergence:
# family = binomial() (glmnet.fit's IRLS with epsnr), fdev = 0 (no early end of the path), thresh = 1e-16
glmnet.control(fdev = 0, epsnr = 1e-14, mxitnr = 1000)
bc <- read.csv("../data/breast_cancer.csv", check.names = FALSE)
x <- as.matrix(bc[, 1:30]); y <- bc$target
fit <- glmnet(x, y, family = "binomial", alpha = 1, thresh = 1e-14, maxit = 1e7)   # the lambda sequence
write.csv(data.frame(lambda = sprintf("%.17g", fit$lambda)), "glmnet_lambda.csv", row.names = FALSE)
for (lam in c(0.05, 0.01, 0.002)) {
  f1 <- glmnet(x, y, family = binomial(), alpha = 1, lambda = lam, thresh = 1e-16, maxit = 1e8)
  cf <- as.matrix(coef(f1))
  write.csv(data.frame(term = rownames(cf), coef = sprintf("%.17g", cf[, 1])), sprintf("glmnet_coef_%g.csv", lam), row.names = FALSE)
}
foldid <- rep(1:10, length.out = nrow(x))
# cv.glmnet with its defaults (thresh = 1e-7, fdev = 1e-5): the choice of lambda a reviewer reproduces
glmnet.control(factory = TRUE)
cv <- cv.glmnet(x, y, family = "binomial", alpha = 1, foldid = foldid)
write.csv(data.frame(lambda = sprintf("%.17g", cv$lambda), cvm = sprintf("%.17g", cv$cvm), cvsd = sprintf("%.17g", cv$cvsd)),
          "cv_glmnet_curve.csv", row.names = FALSE)
write.csv(data.frame(name = c("lambda.min", "lambda.1se"), value = sprintf("%.17g", c(cv$lambda.min, cv$lambda.1se))),
          "cv_glmnet_lambda.csv", row.names = FALSE)
glmnet.control(fdev = 0, epsnr = 1e-14, mxitnr = 1000)   # tight again for the coefficients at lambda.1se
cf <- as.matrix(coef(glmnet(x, y, family = binomial(), alpha = 1, lambda = cv$lambda.1se, thresh = 1e-16, maxit = 1e8)))
write.csv(data.frame(term = rownames(cf), coef = sprintf("%.17g", cf[, 1])), "cv_glmnet_coef_1se.csv", row.names = FALSE)
cva <- cv.glmnet(x, y, family = "binomial", alpha = 1, foldid = foldid, type.measure = "auc")
write.csv(data.frame(name = c("lambda.min", "lambda.1se"), value = sprintf("%.17g", c(cva$lambda.min, cva$lambda.1se))),
          "cv_glmnet_auc_lambda.csv", row.names = FALSE)
