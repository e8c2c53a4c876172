# Reference values for cohortstats.discrimination.roc_band (pROC 1.18.0, R 4.2.2).
# Run from this folder: Rscript roc_band.R -> roc_band_coords.csv, roc_band_ci.csv
# coords(input = "specificity") is deterministic (interpolation on the empirical curve); ci.se is a stratified
# bootstrap (set.seed(1), 20000 resamples), so our band can only agree within Monte Carlo error.
suppressMessages(library(pROC))
a <- read.csv("../data/aSAH.csv")
a$outcome <- factor(a$outcome, levels = c("Good", "Poor"))
g <- seq(0, 1, 0.02)
rows <- list()
for (m in c("s100b", "ndka", "wfns")) {
  for (dir in c("<", ">")) {
    x <- if (dir == "<") a[[m]] else -a[[m]]
    r <- roc(a$outcome, x, levels = c("Good", "Poor"), direction = dir, quiet = TRUE)
    cc <- coords(r, x = g, input = "specificity", ret = "sensitivity", transpose = FALSE)
    rows[[length(rows) + 1]] <- data.frame(marker = m, direction = dir, specificity = sprintf("%.17g", g),
                                           sensitivity = sprintf("%.17g", cc$sensitivity))
  }
}
write.csv(do.call(rbind, rows), "roc_band_coords.csv", row.names = FALSE)
r <- roc(a$outcome, a$s100b, levels = c("Good", "Poor"), direction = "<", quiet = TRUE)
set.seed(1)
ci <- ci.se(r, specificities = g, boot.n = 20000, boot.stratified = TRUE, progress = "none")
write.csv(data.frame(specificity = sprintf("%.17g", g), low = sprintf("%.17g", ci[, 1]),
                     median = sprintf("%.17g", ci[, 2]), high = sprintf("%.17g", ci[, 3])),
          "roc_band_ci.csv", row.names = FALSE)
