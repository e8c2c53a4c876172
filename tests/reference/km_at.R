# Reference values for KaplanMeierResult.at (survival 3.x, R 4.2.2): survival at chosen times per group,
# including times before a group's first event or observation (S = 1, CI (1, 1)) and beyond its last
# observation (extend = TRUE: the last value, n.risk 0).
# Run from this folder: Rscript km_at.R -> km_at_reference.csv
suppressMessages(library(survival))
lung <- read.csv("../data/lung.csv")
lung$event <- as.integer(lung$status == 2)
times <- c(0, 1, 5, 11, 12, 13, 100.5, 118, 500, 765, 883, 1000, 1022, 1100, 2000)
rows <- list()
for (g in c("sex", "ph.ecog")) {
  km <- survfit(as.formula(paste("Surv(time, event) ~", g)), data = lung)  # conf.type = "log" (default)
  s <- summary(km, times = times, extend = TRUE)
  rows[[g]] <- data.frame(grouping = g, group = sub(".*=", "", as.character(s$strata)), time = s$time,
                          n_risk = s$n.risk, n_event = s$n.event, survival = sprintf("%.17g", s$surv),
                          std_error = sprintf("%.17g", s$std.err), conf_low = sprintf("%.17g", s$lower),
                          conf_high = sprintf("%.17g", s$upper))
}
write.csv(do.call(rbind, rows), "km_at_reference.csv", row.names = FALSE)
