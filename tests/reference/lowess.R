# Reference curves for cohortstats.evaluation.lowess (R 4.2.2's lowess, C clowess).
# Run from this folder: Rscript lowess.R -> lowess_curves_input.csv (curve, x, y in the original order)
# and lowess_curves_reference.csv (curve, f, iter, delta, x sorted, fitted: lowess(x, y, f, iter, delta)).
# The inputs are generated here and written with 17 significant digits, so Python reads R's exact doubles.
# lowess_curves_valprob.csv: rms::val.prob(x, y)'s Emax, E90, Eavg for the binary curves (lowess(p, y, iter = 0)
# interpolated at p with approx(ties = mean); no binning of p for these three).
suppressMessages(library(rms))
set.seed(20261130)
n <- 400
p <- plogis(rnorm(n, -1, 1.2))
curves <- list(
  # calibration-like (binary outcome, default settings as rms::val.prob): statsmodels' lowess differed from R
  # at the end of the data here
  end = list(x = p, y = rbinom(n, 1, p), f = 2 / 3, iter = 0),
  # risks rounded to 2 decimals: many tied x values
  ties = list(x = pmax(round(p, 2), 0.01), y = rbinom(n, 1, pmax(round(p, 2), 0.01)), f = 2 / 3, iter = 0),
  # a categorical model: 71 % of patients share one risk, so many neighbourhoods have zero width
  zero_width = list(x = c(rep(0.2, 142), rep(0.35, 30), rep(0.5, 20), rep(0.8, 8)), y = rbinom(200, 1, 0.3), f = 2 / 3, iter = 0),
  # R's defaults (3 robustness iterations) on a continuous outcome with outliers
  robust = list(x = runif(300, 0, 10), y = NULL, f = 2 / 3, iter = 3),
  # a small span and no delta skipping
  span = list(x = rexp(250), y = NULL, f = 0.2, iter = 0, delta = 0)
)
curves$robust$y <- sin(curves$robust$x) + rnorm(300, 0, 0.3) + c(rep(0, 290), rep(5, 10))
curves$span$y <- log1p(curves$span$x) + rnorm(250, 0, 0.2)
inp <- list(); ref <- list()
for (nm in names(curves)) {
  cv <- curves[[nm]]
  delta <- if (is.null(cv$delta)) 0.01 * diff(range(cv$x)) else cv$delta
  l <- lowess(cv$x, cv$y, f = cv$f, iter = cv$iter, delta = delta)
  inp[[nm]] <- data.frame(curve = nm, x = sprintf("%.17g", cv$x), y = sprintf("%.17g", cv$y))
  ref[[nm]] <- data.frame(curve = nm, f = sprintf("%.17g", cv$f), iter = cv$iter, delta = sprintf("%.17g", delta),
                          x = sprintf("%.17g", l$x), fitted = sprintf("%.17g", l$y))
}
write.csv(do.call(rbind, inp), "lowess_curves_input.csv", row.names = FALSE)
write.csv(do.call(rbind, ref), "lowess_curves_reference.csv", row.names = FALSE)
vp <- list()
for (nm in c("end", "ties", "zero_width")) {
  v <- val.prob(curves[[nm]]$x, curves[[nm]]$y, pl = FALSE)
  vp[[nm]] <- data.frame(curve = nm, statistic = c("Emax", "E90", "Eavg"), value = sprintf("%.17g", v[c("Emax", "E90", "Eavg")]))
}
write.csv(do.call(rbind, vp), "lowess_curves_valprob.csv", row.names = FALSE)
