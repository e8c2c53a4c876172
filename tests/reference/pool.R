# Reference values for cohortstats.missing.pool (R 4.2.2, Debian r-cran-mice 3.15.0).
# Run from this folder: Rscript pool.R -> pool_data.csv (the incomplete data), pool_completed_<i>.csv (i = 1..5,
# complete(imp, i)), pool_<model>_summary.csv (summary(pool(fit), conf.int = TRUE, exponentiate = TRUE)),
# pool_<model>_pooled.csv (pool(fit)$pooled), pool_scalar_reference.csv (pool.scalar examples).
suppressMessages(library(mice))
tight <- glm.control(epsilon = 1e-14, maxit = 100)
full <- function(x) sprintf("%.17g", x)

set.seed(20240611)
n <- 300
age <- round(rnorm(n, 65, 10), 1)
sex <- sample(c("F", "M"), n, replace = TRUE)
grade <- sample(1:3, n, replace = TRUE, prob = c(0.5, 0.3, 0.2))
crp <- round(exp(rnorm(n, 1.5 + 0.01 * (age - 65), 0.6)), 2)
albumin <- round(rnorm(n, 40 - 0.1 * (age - 65), 4), 1)
lp <- -1 + 0.04 * (age - 65) + 0.4 * (sex == "M") + 0.5 * (grade - 1) + 0.25 * log(crp) - 0.08 * (albumin - 40)
y <- rbinom(n, 1, plogis(lp))
d <- data.frame(y, age, sex = factor(sex), grade, crp, albumin)
# ~20% missing in the two lab values, more often in older patients (MAR on age)
p_miss <- plogis(-1.45 + 0.05 * (age - 65))
d$crp[runif(n) < p_miss] <- NA
d$albumin[runif(n) < p_miss] <- NA
cat("fraction missing: crp", mean(is.na(d$crp)), "albumin", mean(is.na(d$albumin)), "\n")
write.csv(d, "pool_data.csv", row.names = FALSE, na = "")

imp <- mice(d, m = 5, method = "pmm", seed = 4711, printFlag = FALSE)
for (i in 1:5) write.csv(complete(imp, i), sprintf("pool_completed_%d.csv", i), row.names = FALSE)

rm(y, age, sex, grade, crp, albumin, lp)  # the model variables must come from the completed data only
models <- list(
  main = quote(y ~ age + sex + crp + albumin),
  factor = quote(y ~ age + factor(grade) + crp + albumin)
)
for (name in names(models)) {
  form <- models[[name]]
  # fit <- with(imp, glm(<formula>, family = binomial, control = tight)), the formula spelled out
  fit <- eval(substitute(with(imp, glm(F, family = binomial, control = tight)), list(F = form)))
  pooled <- pool(fit)
  # the same pooled values from the completed CSV files, as the Python test reads them
  fits_csv <- lapply(1:5, function(i) glm(eval(form), family = binomial, control = tight,
                                          data = read.csv(sprintf("pool_completed_%d.csv", i))))
  check <- pool(as.mira(fits_csv))
  stopifnot(isTRUE(all.equal(check$pooled$estimate, pooled$pooled$estimate, tolerance = 1e-12)),
            isTRUE(all.equal(check$pooled$b, pooled$pooled$b, tolerance = 1e-10)))
  s <- summary(pooled, conf.int = TRUE, exponentiate = TRUE)
  s <- data.frame(term = as.character(s$term), lapply(s[, -1], function(v) if (is.numeric(v)) full(v) else v))
  write.csv(s, sprintf("pool_%s_summary.csv", name), row.names = FALSE)
  p <- pooled$pooled
  p <- data.frame(term = as.character(p$term), lapply(p[, -1], function(v) if (is.numeric(v)) full(v) else v))
  write.csv(p, sprintf("pool_%s_pooled.csv", name), row.names = FALSE)
}

# pool.scalar(Q, U, n, k): Rubin's rules on one number, Barnard-Rubin df with dfcom = n - k
out <- list()
add <- function(case, r) out[[length(out) + 1]] <<- data.frame(
  case = case, qbar = full(r$qbar), ubar = full(r$ubar), b = full(r$b), t = full(r$t), df = full(r$df),
  r = full(r$r), fmi = full(r$fmi))
q1 <- c(0.781, 0.795, 0.770, 0.802, 0.788); u1 <- c(0.00081, 0.00078, 0.00085, 0.00076, 0.00080)
add("auc_inf", pool.scalar(q1, u1))                       # n = Inf: large-sample df (m - 1) / lambda^2
add("auc_n200", pool.scalar(q1, u1, n = 200, k = 1))      # dfcom = 199
lq <- qlogis(q1); lu <- u1 / (q1 * (1 - q1))^2             # the same on the logit scale (delta method)
add("auc_logit_n200", pool.scalar(lq, lu, n = 200, k = 1))
q2 <- c(0.95, 1.12, 0.88, 1.05, 0.99, 1.21, 0.91, 1.02, 1.08, 0.97)
u2 <- c(0.031, 0.029, 0.035, 0.030, 0.033, 0.028, 0.034, 0.031, 0.030, 0.032)
add("slope_n150_k3", pool.scalar(q2, u2, n = 150, k = 3)) # m = 10, dfcom = 147
add("equal_q_n50", pool.scalar(rep(0.3, 4), c(0.01, 0.012, 0.011, 0.009), n = 50))  # b = 0: lambda floored
sc <- do.call(rbind, out)
write.csv(sc, "pool_scalar_reference.csv", row.names = FALSE)
