# Reference for cohortstats.missing.impute (R 4.2.2, Debian r-cran-mice 3.15.0): mice's PMM on the data of pool.R
# with many imputations, so that another PMM implementation (another random stream) can be compared within
# Monte Carlo error. Run from this folder: Rscript impute.R -> impute_mice_m100.csv
suppressMessages(library(mice))
tight <- glm.control(epsilon = 1e-14, maxit = 100)
full <- function(x) sprintf("%.17g", x)
d <- read.csv("pool_data.csv")
d$sex <- factor(d$sex)
imp <- mice(d, m = 100, method = "pmm", maxit = 10, seed = 99, printFlag = FALSE)
fit <- with(imp, glm(y ~ age + sex + crp + albumin, family = binomial, control = tight))
p <- pool(fit)$pooled
means <- sapply(c("crp", "albumin"), function(v) mean(unlist(imp$imp[[v]])))
out <- data.frame(term = as.character(p$term), estimate = full(p$estimate), ubar = full(p$ubar), b = full(p$b),
                  t = full(p$t), fmi = full(p$fmi))
write.csv(out, "impute_mice_m100.csv", row.names = FALSE)
write.csv(data.frame(variable = names(means), mean_imputed = full(means)), "impute_mice_m100_means.csv",
          row.names = FALSE)
