# Reference values for cohortstats.calibration and nomogram (rms 6.x, R 4.2.2).
# Run from this folder: Rscript calibration.R -> calibration_reference.csv, lowess_reference.csv,
# nomogram_reference.csv, validate_reference.csv
suppressMessages(library(rms))
out <- list()
add <- function(name, value) out[[length(out) + 1]] <<- data.frame(name = name, value = sprintf("%.17g", as.numeric(value)))
bw <- read.csv("../data/birthwt.csv")
bw$race <- factor(bw$race)
f <- glm(low ~ age + lwt + race + smoke + ptl + ht + ui + ftv, binomial, bw, control = glm.control(epsilon = 1e-14, maxit = 100))
p1 <- fitted(f)
p2 <- plogis(0.4 + 1.5 * qlogis(p1))          # deliberately miscalibrated
set.seed(3); p3 <- runif(nrow(bw), 0.05, 0.6) # uninformative
preds <- data.frame(p1 = p1, p2 = p2, p3 = p3, y = bw$low)
write.csv(data.frame(lapply(preds, function(v) sprintf("%.17g", v))), "calibration_predictions.csv", row.names = FALSE)
for (nm in c("p1", "p2", "p3")) {
  v <- val.prob(preds[[nm]], preds$y, pl = FALSE)
  for (k in names(v)) add(paste0(nm, "_", k), v[k])
  # calibration-in-the-large: intercept with logit(p) as offset
  citl <- glm(y ~ 1 + offset(qlogis(preds[[nm]])), binomial, preds, control = glm.control(epsilon = 1e-14))
  add(paste0(nm, "_citl"), coef(citl)[1])
  rc <- glm(y ~ qlogis(preds[[nm]]), binomial, preds, control = glm.control(epsilon = 1e-14, maxit = 100))
  add(paste0(nm, "_glm_intercept"), coef(rc)[1]); add(paste0(nm, "_glm_slope"), coef(rc)[2])
  sm <- lowess(preds[[nm]], preds$y, iter = 0)
  write.csv(data.frame(x = sprintf("%.17g", sm$x), y = sprintf("%.17g", sm$y)), paste0("lowess_", nm, ".csv"), row.names = FALSE)
}
write.csv(do.call(rbind, out), "calibration_reference.csv", row.names = FALSE)

# nomogram points for the birthwt model (lrm); datadist defaults
dd <- datadist(bw); options(datadist = "dd")
l <- lrm(low ~ age + lwt + race + smoke + ptl + ht + ui + ftv, bw)
nom <- nomogram(l, fun = plogis, funlabel = "Risk")
rows <- list()
for (v in c("age", "lwt", "race", "smoke", "ptl", "ht", "ui", "ftv")) {
  x <- nom[[v]][[1]]; pts <- nom[[v]]$points
  rows[[length(rows) + 1]] <- data.frame(variable = v, value = as.character(x), points = sprintf("%.17g", pts))
}
write.csv(do.call(rbind, rows), "nomogram_reference.csv", row.names = FALSE)
tp <- nom[["total.points"]]
write.csv(data.frame(x = sprintf("%.17g", tp$x)), "nomogram_total_points.csv", row.names = FALSE)
risk <- nom[["Risk"]]
write.csv(data.frame(x = sprintf("%.17g", risk$x), x.real = sprintf("%.17g", risk$x.real)), "nomogram_risk_axis.csv", row.names = FALSE)
write.csv(data.frame(name = c("lp_low", "lp_high", "maxscale"), value = sprintf("%.17g", c(attr(nom, "info")$R[1], attr(nom, "info")$R[2], attr(nom, "info")$maxscale))),
          "nomogram_info.csv", row.names = FALSE)

# rms::validate with a fixed seed (resampling streams differ from numpy's: ballpark only)
l2 <- lrm(low ~ age + lwt + race + smoke + ptl + ht + ui + ftv, bw, x = TRUE, y = TRUE)
set.seed(42)
val <- validate(l2, B = 400)
write.csv(data.frame(index = rownames(val), apparent = val[, "index.orig"], optimism = val[, "optimism"],
                     corrected = val[, "index.corrected"]), "validate_reference.csv", row.names = FALSE)

# rms::validate with the resamples written out: predab.resample draws exactly one sample(n, replace = TRUE)
# per resample (method = "boot", no groups), so re-drawing after the same set.seed gives its samples; the
# Python test feeds them to bootstrap_validation(resamples = ...) and expects rms's numbers.
l3 <- lrm(low ~ age + lwt + race + smoke + ptl + ht + ui + ftv, bw, x = TRUE, y = TRUE, tol = 1e-14)
set.seed(7)
val3 <- validate(l3, B = 200)
set.seed(7)
S <- sapply(1:200, function(i) sample(nrow(bw), replace = TRUE))
write.csv(t(S) - 1L, "validate_resamples.csv", row.names = FALSE)
write.csv(data.frame(index = rownames(val3), apparent = sprintf("%.17g", val3[, "index.orig"]),
                     training = sprintf("%.17g", val3[, "training"]), test = sprintf("%.17g", val3[, "test"]),
                     optimism = sprintf("%.17g", val3[, "optimism"]),
                     corrected = sprintf("%.17g", val3[, "index.corrected"]), n = val3[, "n"]),
          "validate_exact_reference.csv", row.names = FALSE)
