# Reference values for cohortstats.sample_size (R 4.2.2, base R only; pmsampsize is not installable here).
# Run from this folder: Rscript sample_size.R  -> sample_size_reference.csv (name, value)
#
# 1. Riley et al.'s three criteria for a binary outcome (BMJ 2020;368:m441, Stat Med 2019;38:1276), written
#    from the papers' formulas with no intermediate rounding, as pmsampsize >= 1.1.1 computes them.
# 2. The Cox-Snell R2 implied by a C statistic (Riley, Van Calster & Collins, Stat Med 2021;40:859):
#    a million linear predictors, N(0, 1) for one class and N(sqrt(2) * qnorm(C), 1) for the other, drawn
#    after set.seed(seed) in that order (the first class of floor(prevalence * 1e6)), then
#    R2cs = 1 - exp(-(null deviance - deviance) / 1e6) from glm(y ~ LP, binomial) run to tight convergence.
out <- list()
add <- function(name, value) out[[length(out) + 1]] <<- data.frame(name = name, value = sprintf("%.17g", as.numeric(value)))
tight <- glm.control(epsilon = 1e-14, maxit = 100)

criteria <- function(tag, p, phi, r2, s = 0.9, delta = 0.05, margin = 0.05) {
  n1 <- p / ((s - 1) * log(1 - r2 / s))
  max_r2 <- 1 - (phi^phi * (1 - phi)^(1 - phi))^2
  s2 <- r2 / (r2 + delta * max_r2)
  n2 <- p / ((s2 - 1) * log(1 - r2 / s2))
  n3 <- (1.96 / margin)^2 * phi * (1 - phi)
  add(paste0(tag, "_n1_exact"), n1); add(paste0(tag, "_n2_exact"), n2); add(paste0(tag, "_n3_exact"), n3)
  add(paste0(tag, "_max_r2"), max_r2); add(paste0(tag, "_s2"), s2)
  n <- max(ceiling(c(n1, n2, n3)))
  add(paste0(tag, "_n"), n); add(paste0(tag, "_events"), n * phi); add(paste0(tag, "_epp"), n * phi / p)
}
criteria("bmj", 24, 0.174, 0.288)            # BMJ 2020 worked example: 623, 662, 221 -> 662
criteria("r055", 24, 0.174, 0.55)            # pmsampsize tests/testthat/test_bin.R, Test 4.2
criteria("p36", 36, 0.174, 0.288)            # Test 4.3
criteria("prev25", 24, 0.25, 0.288)          # Test 4.4

r2_from_c <- function(cstat, prevalence, seed = 123456, n = 1e6) {
  mu <- sqrt(2) * qnorm(cstat)
  set.seed(seed)
  lp <- c(rnorm(prevalence * n, mean = 0, sd = 1), rnorm((1 - prevalence) * n, mean = mu, sd = 1))
  y <- c(rep(0, prevalence * n), rep(1, (1 - prevalence) * n))
  fit <- glm(y ~ lp, family = binomial, control = tight)
  1 - exp(-(fit$null.deviance - fit$deviance) / n)
}
cases <- list(c(0.89, 0.174, 123456), c(0.81, 0.77, 123456), c(0.7, 0.1, 123456), c(0.75, 0.3, 2024))
for (cs in cases) {
  tag <- sprintf("c%s_prev%s_seed%d", cs[1], cs[2], as.integer(cs[3]))
  add(paste0("r2cs_", tag), r2_from_c(cs[1], cs[2], cs[3]))
}
# the R stream itself: sum and first draws of rnorm(1e6) after set.seed(123456)
set.seed(123456); z <- rnorm(1e6)
add("rnorm_sum_123456", sum(z)); add("rnorm_first_123456", z[1]); add("rnorm_last_123456", z[1e6])

write.csv(do.call(rbind, out), "sample_size_reference.csv", row.names = FALSE)
