# Reference values for cohortstats.table_one.
# Run from this folder:  Rscript table_one.R   (writes table_one_reference.csv)
# R 4.2.2 (Debian r-base-core); data copied from ../data (see tests/data/README.md).
options(digits = 17)
asah <- read.csv("../data/aSAH.csv")
bw <- read.csv("../data/birthwt.csv")
out <- data.frame(dataset = character(), analysis = character(), quantity = character(), value = numeric())
add <- function(ds, an, q, v) out[nrow(out) + 1, ] <<- list(ds, an, q, as.numeric(v))

# group order: sorted values (Good < Poor; 0 < 1); x is the first group as in t.test(x, y)
two <- function(ds, d, var, grp) {
  lv <- sort(unique(d[[grp]]))
  x <- d[[var]][d[[grp]] == lv[1]]; y <- d[[var]][d[[grp]] == lv[2]]
  w <- t.test(x, y)                       # Welch (default)
  add(ds, paste0(var, "~", grp), "welch_t", w$statistic); add(ds, paste0(var, "~", grp), "welch_df", w$parameter)
  add(ds, paste0(var, "~", grp), "welch_p", w$p.value)
  s <- t.test(x, y, var.equal = TRUE)
  add(ds, paste0(var, "~", grp), "student_t", s$statistic); add(ds, paste0(var, "~", grp), "student_p", s$p.value)
  wx <- suppressWarnings(wilcox.test(x, y))  # exact when n < 50 per group and no ties, else normal + correction
  add(ds, paste0(var, "~", grp), "wilcox_W", wx$statistic); add(ds, paste0(var, "~", grp), "wilcox_p", wx$p.value)
  add(ds, paste0(var, "~", grp), "smd", abs(mean(x) - mean(y)) / sqrt((var(x) + var(y)) / 2))
  for (g in lv) {
    v <- d[[var]][d[[grp]] == g]
    q <- quantile(v, c(.25, .5, .75))      # type 7
    add(ds, paste0(var, "~", grp), paste0("mean_", g), mean(v)); add(ds, paste0(var, "~", grp), paste0("sd_", g), sd(v))
    add(ds, paste0(var, "~", grp), paste0("q1_", g), q[1]); add(ds, paste0(var, "~", grp), paste0("median_", g), q[2])
    add(ds, paste0(var, "~", grp), paste0("q3_", g), q[3])
  }
}
# Yang & Dalton SMD for a categorical variable between the two groups
yd <- function(tab) {                      # tab: levels x 2 groups
  p <- sweep(tab, 2, colSums(tab), "/")
  p1 <- p[-1, 1]; p2 <- p[-1, 2]
  S <- function(q) { m <- -outer(q, q); diag(m) <- q * (1 - q); m }
  s <- (S(p1) + S(p2)) / 2
  d <- p1 - p2
  sqrt(as.numeric(t(d) %*% solve(s) %*% d))
}
cat2 <- function(ds, d, var, grp) {
  tab <- table(d[[var]], d[[grp]])
  an <- paste0(var, "~", grp)
  cs <- suppressWarnings(chisq.test(tab))  # Yates on 2x2 (R default)
  add(ds, an, "chisq", cs$statistic); add(ds, an, "chisq_df", cs$parameter); add(ds, an, "chisq_p", cs$p.value)
  add(ds, an, "min_expected", min(suppressWarnings(chisq.test(tab))$expected))
  add(ds, an, "fisher_p", fisher.test(tab)$p.value)
  if (nrow(tab) == 2 && ncol(tab) == 2) {
    cs0 <- chisq.test(tab, correct = FALSE)
    add(ds, an, "chisq_nocorr", cs0$statistic); add(ds, an, "chisq_nocorr_p", cs0$p.value)
  }
  if (ncol(tab) == 2) add(ds, an, "smd", yd(tab))
}
many <- function(ds, d, var, grp) {
  an <- paste0(var, "~", grp)
  f <- d[[grp]]
  o <- oneway.test(d[[var]] ~ f)           # Welch ANOVA
  add(ds, an, "welch_F", o$statistic); add(ds, an, "welch_df2", o$parameter[2]); add(ds, an, "welch_anova_p", o$p.value)
  a <- oneway.test(d[[var]] ~ f, var.equal = TRUE)
  add(ds, an, "anova_F", a$statistic); add(ds, an, "anova_p", a$p.value)
  k <- kruskal.test(d[[var]] ~ f)
  add(ds, an, "kruskal", k$statistic); add(ds, an, "kruskal_p", k$p.value)
}

two("aSAH", asah, "age", "outcome"); two("aSAH", asah, "s100b", "outcome"); two("aSAH", asah, "ndka", "outcome")
cat2("aSAH", asah, "gender", "outcome"); cat2("aSAH", asah, "wfns", "outcome")
many("aSAH", asah, "age", "wfns")
two("birthwt", bw, "age", "low"); two("birthwt", bw, "lwt", "low")
cat2("birthwt", bw, "race", "low"); cat2("birthwt", bw, "smoke", "low"); cat2("birthwt", bw, "ht", "low")
cat2("birthwt", bw, "ui", "low"); cat2("birthwt", bw, "ftv", "low"); cat2("birthwt", bw, "ptl", "low")
many("birthwt", bw, "lwt", "race"); many("birthwt", bw, "bwt", "race")
# exact Wilcoxon: first 40 aSAH rows, ndka (no ties there), groups < 50
sub <- asah[1:40, ]
stopifnot(!any(duplicated(sub$ndka)))
two("aSAH40", sub, "ndka", "outcome")
out$value <- sprintf("%.17g", out$value)
write.csv(out, "table_one_reference.csv", row.names = FALSE)
