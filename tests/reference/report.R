# Reference values for tests/test_report.py (the report's tables and their footnotes).
# Run from the repository root: Rscript tests/reference/report.R
library(MASS)
d <- read.csv("tests/data/birthwt.csv")
d$race <- factor(d$race)
ctl <- glm.control(epsilon = 1e-14, maxit = 100)
out <- list()
# global likelihood-ratio P of a 3-level factor: univariable (anova) and in the multivariable model (drop1)
uni <- glm(low ~ race, family = binomial, data = d, control = ctl)
out$race_uni_lr_p <- anova(uni, test = "LRT")[2, "Pr(>Chi)"]
multi <- glm(low ~ age + race + smoke + ht, family = binomial, data = d, control = ctl)
out$race_multi_lr_p <- drop1(multi, test = "LRT")["race", "Pr(>Chi)"]
# Wilson 95% CIs (prop.test without continuity correction) of a sensitivity and a specificity
out$wilson_60_97_low <- prop.test(60, 97, correct = FALSE)$conf.int[1]
out$wilson_60_97_high <- prop.test(60, 97, correct = FALSE)$conf.int[2]
# gtsummary's continuous_digits_guess: the spread is quantile(x, 0.95) - quantile(x, 0.05) (type 7)
spread <- function(x) unname(quantile(x, 0.95, na.rm = TRUE) - quantile(x, 0.05, na.rm = TRUE))
out$spread_lwt <- spread(d$lwt)
out$spread_bwt_kg <- spread(d$bwt / 1000)
out$spread_bwt_10kg <- spread(d$bwt / 10000)
write.csv(data.frame(name = names(out), value = unlist(out)), "tests/reference/report_reference.csv",
          row.names = FALSE)
