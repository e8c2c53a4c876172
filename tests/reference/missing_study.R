# Reference values for the multiple-imputation path of a study (cohortstats.missing.analyses and
# cohortstats.study.missing_stages), R 4.2.2 with Debian's r-cran-mice 3.15.0, mitml 0.4-5 and pROC 1.18.0.
# Run from this folder: Rscript missing_study.R. It reads pool_data.csv (pool.R: 300 patients, ~20% missing
# in the lab values crp and albumin, MAR on age), imputes it with mice (m = 5, pmm, seed 2718) and writes
#   missing_completed_<i>.csv      complete(imp, i) with a column `set` (train/test, a stratified 240:60 split)
#   missing_uni.csv                summary(pool(<glm(y ~ v) on each completed set>), conf.int = TRUE, exponentiate = TRUE)
#                                  and pool(...)$pooled$fmi for each candidate v (grade as a factor)
#   missing_multi.csv              the same for y ~ age + sex + factor(grade) + crp + albumin
#   missing_tests.csv              D1 of crp and albumin in the multivariable model (mice::D1 against the model
#                                  without them), D2 of the chi-square tests by y of crp in three groups (cut at
#                                  3 and 6) and of albumin < 38 (mitml's .D2), the Rubin-pooled Welch difference
#                                  in mean crp by y (pool.scalar with dfcom = n - 2)
#   missing_prediction.csv         per model, trained on each completed training set (glm) and scored on the
#                                  completed test set: the AUC pooled on the logit scale with its DeLong
#                                  variance (pROC var), the DeLong difference of the two models (pROC var/cov),
#                                  the calibration intercept, slope and calibration-in-the-large (glm on
#                                  logit(p); offset), and net benefit at 0.1 ... 0.5 with its multinomial variance,
#                                  each through pool.scalar (n = Inf)
suppressMessages({library(mice); library(pROC); library(mitml)})
tight <- glm.control(epsilon = 1e-14, maxit = 100)
full <- function(x) sprintf("%.17g", x)
# glm's deviance criterion leaves the coefficients ~1e-7 from the optimum (the deviance is flat there) and its SEs
# use the weights of the previous iteration; one more Newton step from the converged coefficients fixes both
logit_fit <- function(form, data) {
  first <- glm(form, family = binomial, data = data, control = tight)
  glm(form, family = binomial, data = data, start = coef(first), control = tight)
}
fit_all <- function(form) as.mira(lapply(completed, function(cd) logit_fit(form, cd)))

d <- read.csv("pool_data.csv")
d$sex <- factor(d$sex)
n <- nrow(d)
set.seed(31)
set <- rep("train", n)  # stratified 80:20 split, written with the data so both sides use the same rows
for (cls in 0:1) {
  rows <- which(d$y == cls)
  set[sample(rows, round(0.2 * length(rows)))] <- "test"
}
imp <- mice(d, m = 5, method = "pmm", seed = 2718, printFlag = FALSE)
m <- imp$m
completed <- lapply(1:m, function(i) complete(imp, i))
for (i in 1:m) write.csv(cbind(completed[[i]], set = set), sprintf("missing_completed_%d.csv", i), row.names = FALSE)

pooled_rows <- function(fit, label) {
  p <- pool(fit)
  s <- summary(p, conf.int = TRUE, exponentiate = TRUE)
  data.frame(model = label, term = as.character(s$term), estimate = full(s$estimate), std_error = full(s$std.error),
             statistic = full(s$statistic), df = full(s$df), p_value = full(s$p.value),
             conf_low = full(s[["2.5 %"]]), conf_high = full(s[["97.5 %"]]), fmi = full(p$pooled$fmi))
}
uni <- list(age = fit_all(y ~ age), sex = fit_all(y ~ sex), grade = fit_all(y ~ factor(grade)),
            crp = fit_all(y ~ crp), albumin = fit_all(y ~ albumin))
write.csv(do.call(rbind, lapply(names(uni), function(v) pooled_rows(uni[[v]], v))), "missing_uni.csv",
          row.names = FALSE)
multi <- fit_all(y ~ age + sex + factor(grade) + crp + albumin)
write.csv(pooled_rows(multi, "multivariable"), "missing_multi.csv", row.names = FALSE)

tests <- list()
# D1: crp and albumin together in the multivariable model, against the model without them (dfcom = df.residual)
nolabs <- fit_all(y ~ age + sex + factor(grade))
d1 <- D1(multi, nolabs)
tests[[1]] <- data.frame(test = "D1_labs", statistic = full(d1$result[1, "F.value"]), df1 = full(d1$result[1, "df1"]),
                         df2 = full(d1$result[1, "df2"]), p_value = full(d1$result[1, "P(>F)"]),
                         riv = full(d1$result[1, "RIV"]))
# D2: chi-square tests (chisq.test's defaults: Yates on 2 x 2) of imputed categories by y
cats <- list(crp_group = function(cd) cut(cd$crp, c(-Inf, 3, 6, Inf), labels = c("low", "mid", "high")),
             albumin_low = function(cd) ifelse(cd$albumin < 38, "yes", "no"))
for (v in names(cats)) {
  chis <- sapply(completed, function(cd) suppressWarnings(chisq.test(table(cats[[v]](cd), cd$y))$statistic))
  k <- nlevels(factor(cats[[v]](completed[[1]]))) - 1
  r <- mitml:::.D2(d = chis, k = k)
  tests[[length(tests) + 1]] <- data.frame(test = paste0("D2_", v), statistic = full(r$F), df1 = full(r$k),
                                           df2 = full(r$v), p_value = full(pf(r$F, r$k, r$v, lower.tail = FALSE)),
                                           riv = full(r$r))
}
# Welch difference in mean crp (y = 1 minus y = 0) pooled by Rubin's rules, complete-data df n - 2
q <- u <- numeric(m)
for (i in 1:m) {
  cd <- completed[[i]]
  x1 <- cd$crp[cd$y == 1]; x0 <- cd$crp[cd$y == 0]
  q[i] <- mean(x1) - mean(x0); u[i] <- var(x1) / length(x1) + var(x0) / length(x0)
}
ps <- pool.scalar(q, u, n = n, k = 2)
tt <- ps$qbar / sqrt(ps$t)
tests[[length(tests) + 1]] <- data.frame(test = "welch_crp", statistic = full(tt), df1 = NA, df2 = full(ps$df),
                                         p_value = full(2 * pt(-abs(tt), ps$df)), riv = full(ps$r))
write.csv(do.call(rbind, tests), "missing_tests.csv", row.names = FALSE)

# prediction: two logistic models trained on each completed training set, scored on its test set
forms <- list(Basic = y ~ age + sex, Labs = y ~ age + sex + crp + albumin)
thresholds <- c(0.1, 0.2, 0.3, 0.4, 0.5)
per <- list()
for (i in 1:m) {
  cd <- completed[[i]]
  tr <- cd[set == "train", ]; te <- cd[set == "test", ]
  rocs <- list()
  for (name in names(forms)) {
    fit <- logit_fit(forms[[name]], tr)
    p <- predict(fit, newdata = te, type = "response")
    r <- roc(te$y, p, levels = c(0, 1), direction = "<", quiet = TRUE)
    rocs[[name]] <- r
    lg <- qlogis(p)
    rec <- logit_fit(y ~ lg, data.frame(y = te$y, lg = lg))
    citl <- logit_fit(y ~ 1 + offset(lg), data.frame(y = te$y, lg = lg))
    add <- function(stat, est, var) per[[length(per) + 1]] <<- data.frame(imputation = i, model = name, stat = stat,
                                                                           est = est, var = var)
    add("auc", as.numeric(auc(r)), var(r, method = "delong"))
    add("intercept", coef(rec)[1], vcov(rec)[1, 1])
    add("slope", coef(rec)[2], vcov(rec)[2, 2])
    add("citl", coef(citl)[1], vcov(citl)[1, 1])
    for (pt in thresholds) {
      pos <- p >= pt; w <- pt / (1 - pt); nn <- length(p)
      tp <- sum(pos & te$y == 1) / nn; fp <- sum(pos & te$y == 0) / nn
      nb <- tp - w * fp
      add(sprintf("nb_%.1f", pt), nb, (tp + w^2 * fp - nb^2) / nn)
    }
  }
  dif <- as.numeric(auc(rocs$Labs)) - as.numeric(auc(rocs$Basic))
  v <- var(rocs$Labs, method = "delong") + var(rocs$Basic, method = "delong") -
    2 * cov(rocs$Labs, rocs$Basic, method = "delong")
  per[[length(per) + 1]] <- data.frame(imputation = i, model = "Labs - Basic", stat = "delong", est = dif, var = v)
}
per <- do.call(rbind, per)
out <- list()
for (key in unique(paste(per$model, per$stat, sep = "|"))) {
  sub <- per[paste(per$model, per$stat, sep = "|") == key, ]
  logit_scale <- sub$stat[1] == "auc"
  q <- if (logit_scale) qlogis(sub$est) else sub$est
  u <- if (logit_scale) sub$var / (sub$est * (1 - sub$est))^2 else sub$var
  ps <- pool.scalar(q, u)  # n = Inf: large-sample df
  crit <- qt(0.975, ps$df)
  back <- if (logit_scale) plogis else identity
  out[[length(out) + 1]] <- data.frame(
    model = sub$model[1], stat = sub$stat[1], estimate = full(back(ps$qbar)), conf_low = full(back(ps$qbar - crit * sqrt(ps$t))),
    conf_high = full(back(ps$qbar + crit * sqrt(ps$t))), std_error = full(sqrt(ps$t)), df = full(ps$df),
    p_value = full(2 * pt(-abs(ps$qbar / sqrt(ps$t)), ps$df)), fmi = full(ps$fmi))
}
write.csv(do.call(rbind, out), "missing_prediction.csv", row.names = FALSE)
