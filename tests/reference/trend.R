# Reference values for cohortstats.describe.trend.trend_test (Cochran-Armitage chi-square test for trend).
# Run from this folder:  Rscript trend.R   (writes trend_data.csv and trend_reference.csv)
# R 4.2.2 (Debian r-base-core): stats::prop.trend.test(x, n, score = seq_along(x)), chi-square on 1 df,
# no continuity correction.
options(digits = 17)
set.seed(20261128)
out <- data.frame()
add <- function(case, t, x, n, score) {
  out <<- rbind(out, data.frame(case = case, statistic = unname(t$statistic), df = unname(t$parameter),
                                p_value = t$p.value, x = paste(x, collapse = ";"), n = paste(n, collapse = ";"),
                                score = paste(score, collapse = ";")))
}
# tables: events x out of n per ordered level
x <- c(83, 90, 129, 70); n <- c(86, 93, 136, 82)            # smokers (example(prop.trend.test))
add("smokers", prop.trend.test(x, n), x, n, seq_along(x))
add("smokers_scores", prop.trend.test(x, n, score = c(0, 1, 3, 7)), x, n, c(0, 1, 3, 7))
x2 <- c(2, 5, 0, 9, 12); n2 <- c(20, 22, 0, 25, 19)           # an empty level (0 of 0): dropped by lm, keeps its score
add("empty_level", suppressWarnings(prop.trend.test(x2, n2)), x2, n2, seq_along(x2))
x3 <- c(4, 11); n3 <- c(30, 28)                               # two levels
add("two_levels", prop.trend.test(x3, n3), x3, n3, 1:2)

# a data frame: poor outcome against an FVH-style 0-9 score (with gaps) and an ordered grade, with missing values
N <- 94
fvh <- sample(c(0:6, 9), N, replace = TRUE, prob = c(3, 5, 8, 9, 8, 6, 3, 1))
poor <- rbinom(N, 1, plogis(-2 + 0.45 * fvh))
grade <- c("low", "moderate", "high")[pmin(fvh %/% 3, 2) + 1]
fvh[c(7, 40)] <- NA; poor[c(12, 40, 63)] <- NA; grade[c(3)] <- NA
d <- data.frame(patient = 1:N, fvh = fvh, poor = poor, grade = grade)
write.csv(d, "trend_data.csv", row.names = FALSE, na = "")

cc <- d[!is.na(d$fvh) & !is.na(d$poor), ]
tab <- table(cc$fvh, cc$poor)                                 # rows: observed fvh values in numeric order
add("df_fvh", prop.trend.test(tab[, "1"], rowSums(tab)), tab[, "1"], rowSums(tab), seq_len(nrow(tab)))
sc <- as.numeric(rownames(tab))                               # the score values themselves as scores
add("df_fvh_values", prop.trend.test(tab[, "1"], rowSums(tab), score = sc), tab[, "1"], rowSums(tab), sc)
cg <- d[!is.na(d$grade) & !is.na(d$poor), ]
tg <- table(factor(cg$grade, levels = c("low", "moderate", "high")), cg$poor)
add("df_grade", prop.trend.test(tg[, "1"], rowSums(tg)), tg[, "1"], rowSums(tg), 1:3)
add("df_grade_scores", prop.trend.test(tg[, "1"], rowSums(tg), score = c(0, 2, 5)), tg[, "1"], rowSums(tg), c(0, 2, 5))
write.csv(out, "trend_reference.csv", row.names = FALSE)
print(out)
