# Reference values for cohortstats.regression (R 4.2.2; MASS, rms, car, brglm2 from Debian).
# Run from this folder: Rscript regression.R   -> regression_reference.csv (name, value)
suppressMessages({library(MASS); library(rms); library(car); library(brglm2)})
out <- list()
add <- function(name, value) out[[length(out) + 1]] <<- data.frame(name = name, value = sprintf("%.17g", as.numeric(value)))
tight <- glm.control(epsilon = 1e-14, maxit = 100)

bw <- read.csv("../data/birthwt.csv")
bw$race <- factor(bw$race)
form <- low ~ age + lwt + race + smoke + ptl + ht + ui + ftv
f <- glm(form, family = binomial, data = bw, control = tight)
X <- model.matrix(f); y <- bw$low
cf <- summary(f)$coefficients
terms <- c("(Intercept)", "age", "lwt", "race[2]", "race[3]", "smoke", "ptl", "ht", "ui", "ftv")
for (i in seq_along(terms)) {
  add(paste0("coef_", terms[i]), cf[i, 1]); add(paste0("se_", terms[i]), cf[i, 2])
  add(paste0("z_", terms[i]), cf[i, 3]); add(paste0("p_", terms[i]), cf[i, 4])
}
w <- confint.default(f)
for (i in seq_along(terms)) { add(paste0("wald_low_", terms[i]), w[i, 1]); add(paste0("wald_high_", terms[i]), w[i, 2]) }

# exact profile-likelihood limits: root of the signed root deviance statistic
dev_hat <- deviance(f); zc <- qnorm(0.975)
prof_root <- function(j, side) {
  bhat <- coef(f)[j]; se <- cf[j, 2]
  r <- function(b) {
    g <- glm.fit(X[, -j, drop = FALSE], y, family = binomial(), offset = X[, j] * b, control = tight)
    sign(b - bhat) * sqrt(max(0, g$deviance - dev_hat)) - side * zc
  }
  hi <- bhat + side * 2 * zc * se
  while (sign(r(hi)) != side) hi <- hi + side * zc * se
  uniroot(r, sort(c(bhat, hi)), tol = 1e-13)$root
}
for (i in seq_along(terms)) {
  add(paste0("profile_low_", terms[i]), prof_root(i, -1)); add(paste0("profile_high_", terms[i]), prof_root(i, 1))
}
m <- suppressMessages(MASS:::confint.glm(f))
for (i in seq_along(terms)) { add(paste0("mass_low_", terms[i]), m[i, 1]); add(paste0("mass_high_", terms[i]), m[i, 2]) }

d1 <- drop1(f, test = "LRT")
for (v in c("age", "lwt", "race", "smoke", "ptl", "ht", "ui", "ftv")) {
  add(paste0("lrt_stat_", v), d1[v, "LRT"]); add(paste0("lrt_df_", v), d1[v, "Df"]); add(paste0("lrt_p_", v), d1[v, "Pr(>Chi)"])
}
add("aic", AIC(f)); add("bic", BIC(f)); add("loglik", logLik(f)); add("deviance", deviance(f))
add("null_deviance", f$null.deviance)
l <- lrm(form, data = bw)
add("lrm_LR", l$stats["Model L.R."]); add("lrm_R2", l$stats["R2"]); add("lrm_C", l$stats["C"])
add("lrm_Dxy", l$stats["Dxy"]); add("lrm_Brier", l$stats["Brier"])
for (i in seq_along(terms)) add(paste0("lrm_coef_", terms[i]), coef(l)[i])

# Hosmer-Lemeshow with ResourceSelection::hoslem.test's rule (the package is not in Debian):
# unique type-7 quantile breaks, cut(include.lowest = TRUE), chi-square over both columns, df = g - 2
hl <- function(y, yhat, g = 10) {
  qq <- unique(quantile(yhat, probs = seq(0, 1, 1 / g)))
  cutyhat <- cut(yhat, breaks = qq, include.lowest = TRUE)
  obs <- xtabs(cbind(1 - y, y) ~ cutyhat); expect <- xtabs(cbind(1 - yhat, yhat) ~ cutyhat)
  chisq <- sum((obs - expect)^2 / expect)
  c(chisq, g - 2, 1 - pchisq(chisq, g - 2), length(qq) - 1)
}
h <- hl(y, fitted(f)); add("hl_stat", h[1]); add("hl_df", h[2]); add("hl_p", h[3]); add("hl_groups_used", h[4])
h5 <- hl(y, fitted(f), 5); add("hl5_stat", h5[1]); add("hl5_p", h5[3])
# ties: a model with one binary predictor has 2 distinct fitted values
f2 <- glm(low ~ smoke, binomial, bw, control = tight)
h2 <- hl(y, fitted(f2)); add("hl_ties_stat", h2[1]); add("hl_ties_groups_used", h2[4])

v <- car::vif(f)
for (vv in rownames(v)) { add(paste0("gvif_", vv), v[vv, "GVIF"]); add(paste0("gvif_adj_", vv), v[vv, "GVIF^(1/(2*Df))"]) }

# race with another reference level, and an interaction
f3 <- glm(low ~ lwt + relevel(race, ref = "3") + smoke * age, binomial, bw, control = tight)
cf3 <- coef(f3)
add("ref3_race1", cf3[3]); add("ref3_race2", cf3[4]); add("int_smoke_age", cf3["smoke:age"])
add("int_se", summary(f3)$coefficients["smoke:age", 2])

# Firth (bias-reduced, type AS_mean) on birthwt and on a quasi-separated data set
fb <- glm(form, family = binomial, data = bw, method = "brglmFit", type = "AS_mean", epsilon = 1e-14, maxit = 200)
for (i in seq_along(terms)) { add(paste0("firth_coef_", terms[i]), coef(fb)[i]); add(paste0("firth_se_", terms[i]), summary(fb)$coefficients[i, 2]) }
sep <- data.frame(x = c(0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1), z = c(1.2, 0.3, -0.5, 2.1, 0.7, -1.0, 0.4, 1.5, -0.2, 0.9, 0.1, 0.6, -1.3, 1.1),
                  y = c(0, 0, 1, 0, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1))
write.csv(sep, "separation_data.csv", row.names = FALSE)
fs <- glm(y ~ x + z, family = binomial, data = sep, method = "brglmFit", type = "AS_mean", epsilon = 1e-14, maxit = 500)
add("sep_firth_(Intercept)", coef(fs)[1]); add("sep_firth_x", coef(fs)[2]); add("sep_firth_z", coef(fs)[3])
add("sep_firth_se_x", summary(fs)$coefficients[2, 2])
write.csv(do.call(rbind, out), "regression_reference.csv", row.names = FALSE)
