# Reference values for cohortstats.survival (survival 3.x, R 4.2.2).
# Run from this folder: Rscript survival.R   -> survival_reference.csv (name, value)
suppressMessages(library(survival))
out <- list()
add <- function(name, value) out[[length(out) + 1]] <<- data.frame(name = name, value = sprintf("%.17g", as.numeric(value)))
lung <- read.csv("../data/lung.csv")
lung$event <- as.integer(lung$status == 2)
tight <- coxph.control(eps = 1e-14, iter.max = 100, toler.chol = 1e-15)
for (ties in c("efron", "breslow")) {
  f <- coxph(Surv(time, event) ~ age + sex + ph.ecog + wt.loss, data = lung, ties = ties, control = tight)
  s <- summary(f)$coefficients
  ci <- confint(f)
  for (v in rownames(s)) {
    add(paste0(ties, "_coef_", v), s[v, "coef"]); add(paste0(ties, "_se_", v), s[v, "se(coef)"])
    add(paste0(ties, "_z_", v), s[v, "z"]); add(paste0(ties, "_p_", v), s[v, "Pr(>|z|)"])
    add(paste0(ties, "_low_", v), ci[v, 1]); add(paste0(ties, "_high_", v), ci[v, 2])
  }
  add(paste0(ties, "_n"), f$n); add(paste0(ties, "_nevent"), f$nevent); add(paste0(ties, "_loglik"), f$loglik[2])
  add(paste0(ties, "_concordance"), f$concordance["concordance"])
  add(paste0(ties, "_concordance_se"), f$concordance["std"])
  for (k in c("concordant", "discordant", "tied.x", "tied.y", "tied.xy")) add(paste0(ties, "_", k), f$concordance[k])
}
# a categorical predictor (ph.ecog as factor, reference 0)
lung$ecogf <- factor(lung$ph.ecog)
f2 <- coxph(Surv(time, event) ~ age + ecogf, data = lung[lung$ph.ecog < 3, ], control = tight)
add("factor_coef_ecog1", coef(f2)["ecogf1"]); add("factor_coef_ecog2", coef(f2)["ecogf2"])

# Kaplan-Meier by sex, conf.type = "log" (survfit's default)
km <- survfit(Surv(time, event) ~ sex, data = lung)
tab <- summary(km)$table
for (i in 1:2) {
  g <- c("1", "2")[i]
  add(paste0("km_n_", g), tab[i, "records"]); add(paste0("km_events_", g), tab[i, "events"])
  add(paste0("km_median_", g), tab[i, "median"]); add(paste0("km_low_", g), tab[i, "0.95LCL"])
  add(paste0("km_high_", g), tab[i, "0.95UCL"])
}
sm <- summary(km, times = c(180, 365, 730))
for (k in seq_along(sm$time)) {
  key <- paste0(sm$strata[k], "_", sm$time[k])
  key <- gsub("sex=", "", key)
  add(paste0("km_surv_", key), sm$surv[k]); add(paste0("km_se_", key), sm$std.err[k])
  add(paste0("km_slow_", key), sm$lower[k]); add(paste0("km_shigh_", key), sm$upper[k])
  add(paste0("km_risk_", key), sm$n.risk[k])
}
all <- survfit(Surv(time, event) ~ 1, data = lung)
add("km_all_median", summary(all)$table["median"]); add("km_all_low", summary(all)$table["0.95LCL"])
add("km_all_high", summary(all)$table["0.95UCL"])
sd1 <- survdiff(Surv(time, event) ~ sex, data = lung)
add("logrank_sex_chisq", sd1$chisq); add("logrank_sex_p", pchisq(sd1$chisq, 1, lower.tail = FALSE))
sd2 <- survdiff(Surv(time, event) ~ ph.ecog, data = lung)
add("logrank_ecog_chisq", sd2$chisq); add("logrank_ecog_df", length(sd2$n) - 1)
add("logrank_ecog_p", pchisq(sd2$chisq, length(sd2$n) - 1, lower.tail = FALSE))
write.csv(do.call(rbind, out), "survival_reference.csv", row.names = FALSE)

# predicted survival for a new patient (survfit.coxph; its hazard estimator follows the ties method)
out <- list()
nd <- data.frame(age = c(60, 72), sex = c(1, 2), ph.ecog = c(1, 2), wt.loss = c(5, 0))
for (ties in c("efron", "breslow")) {
  f <- coxph(Surv(time, event) ~ age + sex + ph.ecog + wt.loss, data = lung, ties = ties, control = tight)
  sf <- summary(survfit(f, newdata = nd), times = c(180, 365, 540))
  for (j in 1:2) for (k in seq_along(sf$time)) add(paste0("pred_", ties, "_", j, "_", sf$time[k]), sf$surv[k, j])
}
write.csv(do.call(rbind, out), "survival_prediction_reference.csv", row.names = FALSE)
