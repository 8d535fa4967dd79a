# Describes an R model file (RDS) for the airlock's checker, inside the sandbox: its class,
# the observations it was fitted on, its parameters and residual degrees of freedom, and
# whether it keeps training data (the model frame, each person's response). Prints one
# JSON object. Usage: Rscript inspect_model.R FILE
args <- commandArgs(trailingOnly = TRUE)
path <- args[1]
q <- function(s) paste0('"', gsub('"', '\\\\"', s), '"')
num <- function(x) if (is.null(x) || length(x) == 0 || is.na(x[1])) "null" else format(x[1], scientific = FALSE)
out <- tryCatch({
  m <- readRDS(path)
  keeps <- character(0)
  if (!is.null(m$model)) keeps <- c(keeps, sprintf("its model frame: %d training rows", NROW(m$model)))
  if (!is.null(m$y)) keeps <- c(keeps, sprintf("each person's response: %d rows", NROW(m$y)))
  if (!is.null(m$x)) keeps <- c(keeps, sprintf("its design matrix: %d rows", NROW(m$x)))
  nobs <- if (!is.null(m$n)) m$n[1] else tryCatch(stats::nobs(m), error = function(e) NULL)
  params <- tryCatch(length(stats::coef(m)), error = function(e) NULL)
  dof <- if (!is.null(m$df.residual)) m$df.residual else if (!is.null(nobs) && !is.null(params)) nobs - params else NULL
  sprintf('{"model_type": %s, "nobs": %s, "parameters": %s, "dof": %s, "keeps": [%s]',
          q(paste(class(m), collapse = "/")), num(nobs), num(params), num(dof),
          paste(vapply(keeps, q, ""), collapse = ", "))
}, error = function(e) sprintf('{"error": %s', q(substr(conditionMessage(e), 1, 300))))
cat("ork-model ", out, sprintf(', "size": %s}', format(file.size(path), scientific = FALSE)), "\n", sep = "")
