# Reference values for cohortstats.discrimination (pROC 1.18.0, R 4.2.2).
# Run from this folder: Rscript discrimination.R
# Writes discrimination_reference.csv (name, value) and roc_curve_s100b.csv.
suppressMessages(library(pROC))
a <- read.csv("../data/aSAH.csv")
a$wfns <- as.numeric(a$wfns)
out <- list()
add <- function(name, value) out[[length(out) + 1]] <<- data.frame(name = name, value = sprintf("%.17g", as.numeric(value)))
lv <- c("Good", "Poor")          # control, case: Poor is the case
R <- function(x, dir = "<") roc(a$outcome, a[[x]], levels = lv, direction = dir, quiet = TRUE)

for (x in c("s100b", "ndka", "wfns", "age")) {
  r <- R(x)
  add(paste0("auc_", x), auc(r))
  add(paste0("var_", x), var(r))           # DeLong variance
  ci <- ci.auc(r)                           # DeLong (default)
  add(paste0("ci_low_", x), ci[1]); add(paste0("ci_high_", x), ci[3])
  ra <- roc(a$outcome, a[[x]], levels = lv, quiet = TRUE)   # direction = "auto"
  add(paste0("auto_dir_is_less_", x), ra$direction == "<"); add(paste0("auto_auc_", x), auc(ra))
}
add("auc_ndka_greater", auc(R("ndka", ">")))
add("ci90_low_s100b", ci.auc(R("s100b"), conf.level = 0.9)[1]); add("ci90_high_s100b", ci.auc(R("s100b"), conf.level = 0.9)[3])

# covariances (DeLong) between the three models
add("cov_s100b_ndka", cov(R("s100b"), R("ndka"))); add("cov_s100b_wfns", cov(R("s100b"), R("wfns")))
add("cov_ndka_wfns", cov(R("ndka"), R("wfns")))

# paired DeLong tests
pairs <- list(c("s100b", "ndka"), c("s100b", "wfns"), c("wfns", "ndka"))
for (p in pairs) for (alt in c("two.sided", "greater", "less")) {
  t <- roc.test(R(p[1]), R(p[2]), method = "delong", paired = TRUE, alternative = alt)
  key <- paste0(p[1], "_", p[2], "_", alt)
  add(paste0("paired_z_", key), t$statistic); add(paste0("paired_p_", key), t$p.value)
  add(paste0("paired_cilow_", key), t$conf.int[1]); add(paste0("paired_cihigh_", key), t$conf.int[2])
}

# unpaired DeLong: s100b in men vs women
m <- a[a$gender == "Male", ]; f <- a[a$gender == "Female", ]
rm <- roc(m$outcome, m$s100b, levels = lv, direction = "<", quiet = TRUE)
rf <- roc(f$outcome, f$s100b, levels = lv, direction = "<", quiet = TRUE)
for (alt in c("two.sided", "greater", "less")) {
  t <- roc.test(rm, rf, method = "delong", paired = FALSE, alternative = alt)
  add(paste0("unpaired_D_", alt), t$statistic); add(paste0("unpaired_df_", alt), t$parameter)
  add(paste0("unpaired_p_", alt), t$p.value)
}
add("unpaired_auc_male", auc(rm)); add("unpaired_auc_female", auc(rf))

# coords "best"
for (x in c("s100b", "wfns", "ndka")) for (m in c("youden", "closest.topleft")) {
  cb <- coords(R(x), "best", best.method = m, ret = c("threshold", "sensitivity", "specificity"), transpose = FALSE)
  add(paste0("best_n_", x, "_", m), nrow(cb))
  add(paste0("best_threshold_", x, "_", m), cb$threshold[1])
  add(paste0("best_se_", x, "_", m), cb$sensitivity[1]); add(paste0("best_sp_", x, "_", m), cb$specificity[1])
}
# metrics at a fixed threshold
cf <- coords(R("s100b"), 0.205, input = "threshold", ret = c("sensitivity", "specificity", "ppv", "npv", "accuracy", "tp", "fp", "tn", "fn"), transpose = FALSE)
for (k in names(cf)) add(paste0("at0205_", k), cf[[k]])

# partial AUC
r <- R("s100b")
add("pauc_sp_80_100", auc(r, partial.auc = c(1, 0.8), partial.auc.focus = "specificity"))
add("pauc_sp_80_100_corrected", auc(r, partial.auc = c(1, 0.8), partial.auc.focus = "specificity", partial.auc.correct = TRUE))
add("pauc_se_90_100", auc(r, partial.auc = c(1, 0.9), partial.auc.focus = "sensitivity"))
add("pauc_se_90_100_corrected", auc(r, partial.auc = c(1, 0.9), partial.auc.focus = "sensitivity", partial.auc.correct = TRUE))
add("pauc_sp_50_90_wfns", auc(R("wfns"), partial.auc = c(0.9, 0.5), partial.auc.focus = "specificity"))

# stratified bootstrap CI (random: compared loosely)
set.seed(1)
cb <- ci.auc(R("s100b"), method = "bootstrap", boot.n = 2000, boot.stratified = TRUE, progress = "none")
add("boot_low_s100b", cb[1]); add("boot_high_s100b", cb[3])

write.csv(do.call(rbind, out), "discrimination_reference.csv", row.names = FALSE)
rr <- R("s100b")
write.csv(data.frame(threshold = sprintf("%.17g", rr$thresholds), sensitivity = sprintf("%.17g", rr$sensitivities),
                     specificity = sprintf("%.17g", rr$specificities)), "roc_curve_s100b.csv", row.names = FALSE)

# proportion CIs for the 2x2 counts at threshold 0.205 (se = 26/41, sp = 58/72):
# Wilson = prop.test(correct = FALSE); Clopper-Pearson = binom.test
out <- list()
for (k in list(c("se", 26, 41), c("sp", 58, 72), c("ppv", 26, 40), c("npv", 58, 73))) {
  x <- as.numeric(k[2]); n <- as.numeric(k[3])
  w <- prop.test(x, n, correct = FALSE)$conf.int; b <- binom.test(x, n)$conf.int
  add(paste0("wilson_low_", k[1]), w[1]); add(paste0("wilson_high_", k[1]), w[2])
  add(paste0("cp_low_", k[1]), b[1]); add(paste0("cp_high_", k[1]), b[2])
}
write.csv(do.call(rbind, out), "proportion_ci_reference.csv", row.names = FALSE)
