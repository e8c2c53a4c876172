# Reference values for Table 1 on values whose squares overflow (cohortstats issue 12, item 6).
# Run from this folder:  Rscript table_one_overflow.R
#   writes table_one_overflow_data.csv (the data, read by the Python tests) and table_one_overflow_reference.csv
# R 4.2.2 (Debian r-base-core). On the raw values (x ~ 1e300) R's t.test and oneway.test return t = 0 / NaN and
# P = NaN (var() overflows to Inf); the statistics are scale-free, so the reference is R on the scaled data
# x / 1e300. cohortstats divides by a power of two internally (exact), so its numbers equal these.
options(digits = 17)
set.seed(20261127)
n <- 40
g2 <- rep(0:1, each = 20)
g4 <- rep(0:3, each = 10)
scaled <- round(rnorm(n, 10, 2) + 2 * g2, 3)
d <- data.frame(g2 = g2, g4 = g4, scaled = scaled, x = scaled * 1e300)
write.csv(d, "table_one_overflow_data.csv", row.names = FALSE)
d <- read.csv("table_one_overflow_data.csv")  # the values exactly as the Python test reads them
s <- d$x / 1e300
welch <- t.test(s ~ d$g2)
student <- t.test(s ~ d$g2, var.equal = TRUE)
wanova <- oneway.test(s ~ d$g4)
anova <- oneway.test(s ~ d$g4, var.equal = TRUE)
raw <- t.test(d$x ~ d$g2)
out <- data.frame(
  test = c("welch_t", "student_t", "welch_anova", "anova"),
  statistic = c(welch$statistic, student$statistic, wanova$statistic, anova$statistic),
  df = c(welch$parameter, student$parameter, wanova$parameter[["num df"]], anova$parameter[["num df"]]),
  df2 = c(NA, NA, wanova$parameter[["denom df"]], anova$parameter[["denom df"]]),
  p_value = c(welch$p.value, student$p.value, wanova$p.value, anova$p.value),
  raw_p_value_in_r = c(raw$p.value, NA, NA, NA))
write.csv(out, "table_one_overflow_reference.csv", row.names = FALSE)
print(out)
