# Reference values for one-sided DeLong tests in both pair orders and degenerate comparisons
# (pROC 1.18.0, R 4.2.2). Run from this folder: Rscript delong_order.R -> delong_order_reference.csv (name, value)
# pROC's roc.test(roc1, roc2, alternative = "greater") tests H1: AUC(roc1) > AUC(roc2) and always prints the
# two-sided CI of the difference, even for a one-sided test; the one-sided bounds below use pROC's own d and sigma
# (pROC:::delong.paired.calculations): d - qnorm(conf.level) * sigma for "greater", d + qnorm(conf.level) * sigma
# for "less" (the interval that matches the one-sided test, as t.test reports it).
suppressMessages(library(pROC))
a <- read.csv("../data/aSAH.csv")
out <- list()
add <- function(name, value) out[[length(out) + 1]] <<- data.frame(name = name, value = sprintf("%.17g", as.numeric(value)))
lv <- c("Good", "Poor")
R <- function(x) roc(a$outcome, a[[x]], levels = lv, direction = "<", quiet = TRUE)

pairs <- list(c("s100b", "ndka"), c("ndka", "s100b"), c("wfns", "ndka"), c("ndka", "wfns"),
              c("s100b", "wfns"), c("wfns", "s100b"))
for (p in pairs) for (lev in c(0.95, 0.9)) {
  calc <- pROC:::delong.paired.calculations(R(p[1]), R(p[2]))
  add(paste0("d_", p[1], "_", p[2]), calc$d); add(paste0("sigma_", p[1], "_", p[2]), calc$sig)
  for (alt in c("two.sided", "greater", "less")) {
    t <- roc.test(R(p[1]), R(p[2]), method = "delong", paired = TRUE, alternative = alt, conf.level = lev)
    key <- paste0(p[1], "_", p[2], "_", alt, "_", lev)
    add(paste0("z_", key), t$statistic); add(paste0("p_", key), t$p.value)
    add(paste0("proc_cilow_", key), t$conf.int[1]); add(paste0("proc_cihigh_", key), t$conf.int[2])
    low <- if (alt == "two.sided") t$conf.int[1] else if (alt == "greater") calc$d - qnorm(lev) * calc$sig else -Inf
    high <- if (alt == "two.sided") t$conf.int[2] else if (alt == "less") calc$d + qnorm(lev) * calc$sig else Inf
    add(paste0("cilow_", key), low); add(paste0("cihigh_", key), high)
  }
}

# unpaired (s100b in men vs women, both orders): D, df, p; one-sided t bound d -/+ qt(0.95, df) * se
m <- a[a$gender == "Male", ]; f <- a[a$gender == "Female", ]
rm <- roc(m$outcome, m$s100b, levels = lv, direction = "<", quiet = TRUE)
rf <- roc(f$outcome, f$s100b, levels = lv, direction = "<", quiet = TRUE)
for (ord in list(list("male", rm, "female", rf), list("female", rf, "male", rm))) for (alt in c("two.sided", "greater", "less")) {
  t <- roc.test(ord[[2]], ord[[4]], method = "delong", paired = FALSE, alternative = alt)
  key <- paste0(ord[[1]], "_", ord[[3]], "_", alt)
  d <- auc(ord[[2]]) - auc(ord[[4]]); se <- d / t$statistic; df <- t$parameter
  add(paste0("unpaired_D_", key), t$statistic); add(paste0("unpaired_df_", key), df); add(paste0("unpaired_p_", key), t$p.value)
  add(paste0("unpaired_cilow_", key), if (alt == "two.sided") d - qt(0.975, df) * se else if (alt == "greater") d - qt(0.95, df) * se else -Inf)
  add(paste0("unpaired_cihigh_", key), if (alt == "two.sided") d + qt(0.975, df) * se else if (alt == "less") d + qt(0.95, df) * se else Inf)
}

# degenerate: identical rankings (s100b and 2 * s100b): pROC sets Z = 0 when d = 0 and sigma = 0
a$s100b_x2 <- 2 * a$s100b
for (alt in c("two.sided", "greater", "less")) {
  t <- roc.test(R("s100b"), R("s100b_x2"), method = "delong", paired = TRUE, alternative = alt)
  add(paste0("identical_z_", alt), t$statistic); add(paste0("identical_p_", alt), t$p.value)
  add(paste0("identical_cilow_", alt), t$conf.int[1]); add(paste0("identical_cihigh_", alt), t$conf.int[2])
}
# a constant score: AUC 0.5, DeLong variance 0, CI (0.5, 0.5)
rc <- roc(rep(c(0, 1), 10), rep(1, 20), levels = c(0, 1), direction = "<", quiet = TRUE)
add("constant_auc", auc(rc)); add("constant_var", var(rc)); add("constant_cilow", ci.auc(rc)[1]); add("constant_cihigh", ci.auc(rc)[3])
# one case: pROC's var and ci.auc are NA (the DeLong variance divides by cases - 1)
r1 <- roc(c(0, 0, 0, 0, 1), c(0.1, 0.2, 0.3, 0.5, 0.4), levels = c(0, 1), direction = "<", quiet = TRUE)
add("one_case_var_is_na", is.na(var(r1))); add("one_case_ci_is_na", all(is.na(ci.auc(r1))))
write.csv(do.call(rbind, out), "delong_order_reference.csv", row.names = FALSE)
