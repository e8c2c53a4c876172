# Exact profile-likelihood limits on few-event data (R 4.2.2; MASS and brglm2 from Debian).
# Run from this folder: Rscript profile_edges.R
#   -> profile_edges_data.csv   (dataset, y, x, g: the data sets, generated here with set.seed)
#   -> profile_edges_reference.csv (dataset, model, method, term, estimate, conf_low, conf_high, mass_low,
#                                   mass_high, brglm2_estimate)
# Data: n = 56 (a small clinical subgroup), 1, 2, 3 and 5 events, x continuous (age-like), g binary; plus
# zero cells (no events in one level of g) and one complete separation (the single event has the largest x).
# MLE limits: roots of the signed root of the deviance difference r(b) = sign(b - bhat) sqrt(D(b)) against
# qnorm(0.975) (= sqrt(qchisq(0.95, 1))) by uniroot(tol = 1e-12). D(b) is the smaller of two constrained fits
# with beta_j = b: glm.fit(X[, -j], y, binomial(), offset = X[, j] * b, start = ..., control =
# glm.control(epsilon = 1e-14, maxit = 100)) and a Newton iteration with step halving on the log-likelihood
# written here. glm.fit alone is not enough: its IRLS has no step halving on the deviance, and from a start
# where the risks are all near 0 or 1 it can stop at a point that is not the maximum (here it made a lower
# limit of the intercept -1.70 where the root is -9.10); the counts are printed. A side whose deviance
# difference stays below qchisq(0.95, 1) out to 16000 steps from bhat (separation) is written as -Inf / Inf.
# Firth limits (logistf's profile penalised likelihood; logistf is not in Debian): the penalised log-likelihood
# l(b) + 1/2 log|X'WX| (all columns) maximised over the other coefficients by the same Newton iteration, then
# uniroot(tol = 1e-12). brglm2's AS_mean estimates are written beside them.
suppressMessages({library(MASS); library(brglm2)})
tight <- glm.control(epsilon = 1e-14, maxit = 100)
zc <- qnorm(0.975)

make <- function(seed, events, n = 56, zero = NA, event_at_max = FALSE) {
  set.seed(seed)
  x <- round(rnorm(n, 64, 12), 1)
  g <- rbinom(n, 1, 0.4)
  pr <- plogis(0.05 * (x - 64) + 0.7 * g)
  if (!is.na(zero)) pr[g == zero] <- 0  # no events in this level of g
  y <- integer(n)
  if (event_at_max) y[which.max(x)] <- 1 else y[sample(n, events, prob = pr)] <- 1
  data.frame(y = y, x = x, g = g)
}
sets <- list(e1 = make(101, 1), e2 = make(102, 2), e3 = make(103, 3), e5 = make(105, 5),
             zero_g1 = make(201, 3, zero = 1), zero_g0 = make(202, 4, zero = 0),
             e1_max = make(301, 1, event_at_max = TRUE))
write.csv(do.call(rbind, lapply(names(sets), function(s) cbind(dataset = s, sets[[s]]))),
          "profile_edges_data.csv", row.names = FALSE)
models <- list(x = y ~ x, g = y ~ g, x_g = y ~ x + g)

# ---------------------------------------------------------------- constrained fits
log1pexp <- function(e) ifelse(e > 0, e + log1p(exp(-e)), log1p(exp(e)))
objective <- function(X, y, b, firth) {
  eta <- drop(X %*% b); p <- plogis(eta)
  # log|X'WX| = 2 log|det R|, R from the QR decomposition of W^1/2 X (forming X'WX loses digits when it is
  # ill-conditioned: x around 64 next to the intercept, weight on few patients)
  sum(y * eta - log1pexp(eta)) +
    if (firth) sum(log(abs(diag(qr.R(qr(sqrt(p * (1 - p)) * X, LAPACK = TRUE)))))) else 0
}
# Newton's method on the free coefficients with step halving on the (penalised) log-likelihood. Firth: the
# gradient is the modified score X'(y - p + h (1/2 - p)); the Hessian of l + 1/2 log|X'WX| is
# -X'WX + 1/2 [sum_i h_i (1 - 6 w_i) x_i x_i' - X'A (Q o Q) A X], Q = X (X'WX)^-1 X' (from the QR decomposition
# of W^1/2 X), A = diag(w (1 - 2p)), h = diag(W Q); used where it is negative definite, else Fisher scoring
# (X'WX, as logistf). X'WX numerically singular (a start where all risks are 0 or 1): a ridge on diag(X'X).
newton_fit <- function(X, y, free, beta, firth) {
  obj <- objective(X, y, beta, firth)
  ridge <- diag(colSums(X^2), ncol(X))[free, free, drop = FALSE]
  for (it in 1:500) {
    eta <- drop(X %*% beta); p <- plogis(eta); w <- p * (1 - p)
    info <- crossprod(X, X * w)
    resid <- y - p
    neg <- info[free, free, drop = FALSE]
    if (firth) {
      qw <- qr(sqrt(w) * X, LAPACK = TRUE)
      U <- X[, qw$pivot] %*% backsolve(qr.R(qw), diag(ncol(X)))
      Q <- tcrossprod(U); h <- w * diag(Q); a <- w * (1 - 2 * p)
      resid <- resid + h * (0.5 - p)
      hess <- -info + 0.5 * (crossprod(X, X * (h * (1 - 6 * w))) - crossprod(X * a, (Q^2) %*% (X * a)))
      if (all(eigen(-hess[free, free], symmetric = TRUE, only.values = TRUE)$values > 0)) neg <- -hess[free, free]
    }
    score <- crossprod(X, resid)[free]
    lam <- 0
    while (rcond(neg + lam * ridge) < 1e-15) lam <- max(1e-14, 100 * lam)
    step <- solve(neg + lam * ridge, score)
    # bounded step: a near-zero Hessian (all risks near 0 or 1) makes the Newton step huge; start the halving
    # from a change of the linear predictor no larger than 20 + max |eta|
    t <- min(1, (20 + max(abs(eta))) / max(abs(X[, free, drop = FALSE] %*% step)))
    for (halving in 0:60) {
      trial <- beta; trial[free] <- trial[free] + t * step
      new <- objective(X, y, trial, firth)
      if (is.finite(new) && new >= obj - 1e-13 * abs(obj)) break
      t <- t / 2
    }
    if (halving == 60) {  # no ascent along the step: the maximum to rounding, unless the predicted gain says otherwise
      if (sum(score * step) > 1e-10) stop(sprintf("no ascent: gain %g, beta %s", sum(score * step),
                                                  paste(beta, collapse = " ")))
      break
    }
    beta <- trial; obj <- new
    # a relative step below 1e-12, or a predicted gain below 1e-15: coefficients running to infinity
    # (separation; the log-likelihood then approaches its supremum) or flat directions where the step stalls
    # at rounding level
    if ((lam == 0 && max(abs(step)) < 1e-12 * (1 + max(abs(beta)))) || sum(score * step) < 1e-15) break
  }
  if (it == 500) stop(sprintf("newton_fit did not converge: gain %g, beta %s", sum(score * step),
                              paste(beta, collapse = " ")))
  list(beta = beta, objective = obj, info = info)
}

# Each constrained fit starts from the solved b nearest to it, the other coefficients moved along the tangent
# d(others)/db = -I_oo^-1 I_oj (I the information there)
warm_start <- function(solved, b, j) {
  near <- solved[[which.min(sapply(solved, function(s) abs(s$b - b)))]]
  start <- near$beta; start[j] <- b
  tangent <- tryCatch(solve(near$info[-j, -j, drop = FALSE], near$info[-j, j]), error = function(e) 0)
  start[-j] <- start[-j] - (b - near$b) * tangent
  start
}

# signed root r(b) = sign(b - bhat) sqrt(D(b)); expand from bhat by doubling steps until r crosses side * zc
root_on_side <- function(r, bhat, h, side) {
  a <- bhat; b <- bhat + side * h; k <- 0
  while (side * r(b) < 0) {
    a <- b; k <- k + 1; b <- bhat + side * h * 2^k
    if (k > 14) return(side * Inf)  # |b - bhat| > 16000 h and the deviance difference is still below the cut
  }
  uniroot(r, sort(c(a, b)), tol = 1e-12, maxiter = 1000)$root
}

glm_fit_worse <- 0; glm_fit_calls <- 0
profile_limits <- function(X, y, bhat, top, info, se, firth) {
  sapply(seq_along(bhat), function(j) {
    solved <- list(list(b = bhat[j], beta = bhat, info = info))
    r <- function(b) {
      start <- warm_start(solved, b, j)
      fit <- newton_fit(X, y, seq_len(ncol(X))[-j], start, firth)
      obj <- fit$objective
      if (!firth) {
        g <- suppressWarnings(glm.fit(X[, -j, drop = FALSE], y, family = binomial(), offset = X[, j] * b,
                                      start = start[-j], control = tight))
        glm_fit_calls <<- glm_fit_calls + 1
        if (-g$deviance / 2 < obj - 1e-9) glm_fit_worse <<- glm_fit_worse + 1
        obj <- max(obj, -g$deviance / 2)
      }
      solved[[length(solved) + 1]] <<- list(b = b, beta = fit$beta, info = fit$info)
      sign(b - bhat[j]) * sqrt(max(0, 2 * (top - obj)))
    }
    h <- zc * min(se[j], 2)
    c(root_on_side(function(b) r(b) + zc, bhat[j], h, -1), root_on_side(function(b) r(b) - zc, bhat[j], h, 1))
  })
}

# ---------------------------------------------------------------- maximum likelihood and Firth
mle_limits <- function(d, form) {
  f <- suppressWarnings(glm(form, family = binomial, data = d, control = tight))
  X <- model.matrix(f); y <- d$y; bhat <- coef(f)
  top <- max(-deviance(f) / 2, newton_fit(X, y, seq_along(bhat), bhat, FALSE)$objective)  # separation: supremum
  lim <- profile_limits(X, y, bhat, top, crossprod(X, X * (fitted(f) * (1 - fitted(f)))),
                        summary(f)$coefficients[, 2], FALSE)
  m <- tryCatch(suppressWarnings(suppressMessages(MASS:::confint.glm(f))),
                error = function(e) matrix(NA, length(bhat), 2))
  data.frame(term = names(bhat), estimate = bhat, conf_low = lim[1, ], conf_high = lim[2, ],
             mass_low = m[, 1], mass_high = m[, 2], brglm2_estimate = NA)
}
firth_limits <- function(d, form) {
  X <- model.matrix(form, d); y <- d$y
  top <- newton_fit(X, y, seq_len(ncol(X)), rep(0, ncol(X)), TRUE)
  bhat <- top$beta
  lim <- profile_limits(X, y, bhat, top$objective, top$info, sqrt(diag(solve(top$info))), TRUE)
  br <- glm(form, family = binomial, data = d, method = "brglmFit", type = "AS_mean", epsilon = 1e-14, maxit = 500)
  data.frame(term = colnames(X), estimate = bhat, conf_low = lim[1, ], conf_high = lim[2, ],
             mass_low = NA, mass_high = NA, brglm2_estimate = coef(br))
}

out <- list()
for (s in names(sets)) for (m in names(models)) {
  out[[length(out) + 1]] <- cbind(dataset = s, model = m, method = "mle", mle_limits(sets[[s]], models[[m]]))
  out[[length(out) + 1]] <- cbind(dataset = s, model = m, method = "firth", firth_limits(sets[[s]], models[[m]]))
}
message("glm.fit stopped below the maximum (by > 1e-9 in log-likelihood) in ", glm_fit_worse, " of ",
        glm_fit_calls, " constrained fits")
res <- do.call(rbind, out)
num <- c("estimate", "conf_low", "conf_high", "mass_low", "mass_high", "brglm2_estimate")
res[num] <- lapply(res[num], function(v) sprintf("%.17g", v))
write.csv(res, "profile_edges_reference.csv", row.names = FALSE, quote = FALSE)
