# Reference values for cohortstats.reclassification (Hmisc 4.8.0, R 4.2.2).
# Run from this folder: Rscript reclassification.R -> reclassification_predictions.csv, reclassification_reference.csv
# Hmisc::improveProb gives the category-free NRI, its components, SEs and the IDI. PredictABEL's
# reclassification() (not in Debian) computes its categorical NRI by passing category numbers from
# cut(..., right = FALSE, include.lowest = TRUE) to improveProb; the same is done here with cut-offs 0.2, 0.4.
suppressMessages(library(Hmisc))
out <- list()
add <- function(name, value) out[[length(out) + 1]] <<- data.frame(name = name, value = sprintf("%.17g", as.numeric(value)))
a <- read.csv("../data/aSAH.csv")
a$y <- as.integer(a$outcome == "Poor")
ctl <- glm.control(epsilon = 1e-14, maxit = 100)
old <- fitted(glm(y ~ age + gender, binomial, a, control = ctl))
new <- fitted(glm(y ~ age + gender + s100b + ndka, binomial, a, control = ctl))
wfns <- fitted(glm(y ~ age + gender + factor(wfns), binomial, a, control = ctl))  # many tied risks
preds <- data.frame(y = a$y, old = old, new = new, wfns = wfns)
write.csv(data.frame(lapply(preds, function(v) sprintf("%.17g", v))), "reclassification_predictions.csv",
          row.names = FALSE)
keys <- c("nri", "se.nri", "z.nri", "nri.ev", "se.nri.ev", "z.nri.ev", "nri.ne", "se.nri.ne", "z.nri.ne",
          "pup.ev", "pup.ne", "pdown.ev", "pdown.ne", "idi", "se.idi", "z.idi")
for (cmp in list(c("old", "new"), c("old", "wfns"), c("new", "wfns"))) {
  tag <- paste(cmp, collapse = "_")
  r <- improveProb(preds[[cmp[1]]], preds[[cmp[2]]], preds$y)
  for (k in keys) add(paste0(tag, "_cont_", k), r[[k]])
  brk <- c(0, 0.2, 0.4, 1)
  c1 <- as.numeric(cut(preds[[cmp[1]]], brk, include.lowest = TRUE, right = FALSE))
  c2 <- as.numeric(cut(preds[[cmp[2]]], brk, include.lowest = TRUE, right = FALSE))
  rc <- improveProb(c1 / 3, c2 / 3, preds$y)
  for (k in keys[1:13]) add(paste0(tag, "_cat_", k), rc[[k]])
}
write.csv(do.call(rbind, out), "reclassification_reference.csv", row.names = FALSE)
