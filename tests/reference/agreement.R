# Reference values for cohortstats.signatures.kappa (Cohen's and weighted kappa).
# Run from this folder:  Rscript agreement.R
#   writes kappa_ratings.csv (the rating pairs, read by the Python tests) and kappa_reference.csv
# R 4.2.2 (Debian r-base-core), vcd (Debian r-cran-vcd). vcd::Kappa gives the estimate and the asymptotic SE of
# Fleiss, Cohen & Everitt (1969); "Equal-Spacing" weights = linear, "Fleiss-Cohen" = quadratic. z and p as
# print.Kappa (z = value / ASE, p = 2 * pnorm(-|z|)); the CI as confint.Kappa (value -/+ qnorm * ASE, kept in [-1, 1]).
suppressPackageStartupMessages(library(vcd))
options(digits = 17)
set.seed(20261127)

# 1. fvh: a 0-9 ordinal score (FLAIR vascular hyperintensity) read by two radiologists, 94 patients;
#    many ties; level 8 used by nobody, level 9 only by reader 2
r1 <- sample(0:7, 94, replace = TRUE, prob = c(4, 6, 8, 9, 8, 6, 4, 2))
r2 <- pmin(pmax(r1 + sample(-2:2, 94, replace = TRUE, prob = c(1, 4, 12, 4, 1)), 0), 7)
r2[c(5, 17)] <- 9
fvh <- data.frame(set = "fvh", r1 = r1, r2 = r2)
# 2. nominal: a 3-level nominal rating (occluded territory) of 60 patients
terr <- c("ACA", "MCA", "PCA")
a <- sample(terr, 60, replace = TRUE, prob = c(2, 5, 3))
b <- ifelse(runif(60) < 0.75, a, sample(terr, 60, replace = TRUE))
nominal <- data.frame(set = "nominal", r1 = a, r2 = b)
# 3. grade: an ordered string rating whose order is not alphabetical (low < moderate < high), 50 patients
gl <- c("low", "moderate", "high")
g1 <- sample(1:3, 50, replace = TRUE)
g2 <- pmin(pmax(g1 + sample(-1:1, 50, replace = TRUE, prob = c(1, 5, 1)), 1), 3)
grade <- data.frame(set = "grade", r1 = gl[g1], r2 = gl[g2])
# 4. near_perfect: 1-4 score, 40 patients, two disagreements (the upper confidence limits reach 1)
p1 <- sample(1:4, 40, replace = TRUE)
p2 <- p1; p2[c(3, 29)] <- p2[c(3, 29)] %% 4 + 1
near <- data.frame(set = "near_perfect", r1 = p1, r2 = p2)
# 5. decimal: non-integer levels 0.5, 1, 1.5, 2.5 (the weights use the levels' positions, as vcd)
dl <- c(0.5, 1, 1.5, 2.5)
d1 <- sample(1:4, 30, replace = TRUE)
d2 <- pmin(pmax(d1 + sample(-1:1, 30, replace = TRUE, prob = c(1, 3, 1)), 1), 4)
decimal <- data.frame(set = "decimal", r1 = dl[d1], r2 = dl[d2])

ratings <- rbind(fvh, nominal, grade, near, decimal)
write.csv(ratings, "kappa_ratings.csv", row.names = FALSE)

levels_of <- list(fvh = 0:9, nominal = terr, grade = gl, near_perfect = 1:4, decimal = dl)
out <- data.frame()
for (s in names(levels_of)) {
  d <- ratings[ratings$set == s, ]
  lv <- levels_of[[s]]
  # every level shown, also levels nobody used (rows = reader 1, columns = reader 2)
  tab <- table(factor(d$r1, levels = lv), factor(d$r2, levels = lv))
  n <- sum(tab)
  for (w in c("none", "linear", "quadratic")) {
    k <- Kappa(tab, weights = if (w == "quadratic") "Fleiss-Cohen" else "Equal-Spacing")
    row <- if (w == "none") 1 else 2
    est <- k[[row]][["value"]]; ase <- k[[row]][["ASE"]]
    z <- est / ase
    ci <- confint(k, level = 0.95)[row, ]
    W <- if (w == "none") diag(length(lv)) else k$Weights
    po <- sum(W * tab) / n
    pe <- sum(W * (rowSums(tab) / n) %o% (colSums(tab) / n))
    out <- rbind(out, data.frame(set = s, weights = w, n = n, estimate = est, std_error = ase, statistic = z,
                                 p_value = 2 * pnorm(-abs(z)), conf_low = ci[[1]], conf_high = ci[[2]],
                                 observed = po, expected = pe))
  }
  # a 90% interval too (conf_level)
  k <- Kappa(tab)
  ci <- confint(k, level = 0.9)
  out <- rbind(out, data.frame(set = s, weights = "none@0.9", n = n, estimate = k[[1]][["value"]],
                               std_error = k[[1]][["ASE"]], statistic = NA, p_value = NA,
                               conf_low = ci[1, 1], conf_high = ci[1, 2], observed = NA, expected = NA))
}
write.csv(out, "kappa_reference.csv", row.names = FALSE)
print(out, digits = 6)
