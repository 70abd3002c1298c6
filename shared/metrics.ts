/**
 * One CloudWatch metric per decision, in Embedded Metric Format through Powertools Metrics, so 401s and
 * 403s can be watched and alarmed on without Lambda error alarms firing (a 401 is a normal answer, not
 * a function error).
 *
 * Metric `AuthorizerDecision` (Count, 1 per call) in namespace `POWERTOOLS_METRICS_NAMESPACE` (default
 * `LambdaAuthorizers`), dimensions `service` (`POWERTOOLS_SERVICE_NAME`), `function` (the Lambda function
 * name) and `outcome` (`allow` | `deny` | `unauthenticated`); the reason code rides along as the `reason`
 * property (searchable in Logs Insights, not a dimension: reason codes would multiply the metric's cost).
 *
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 * @see https://docs.powertools.aws.dev/lambda/typescript/latest/features/metrics/
 * @module
 */
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { ReasonCode } from "./errors.ts";

/** The function's metrics client; `function` is a default dimension, set once. */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? "LambdaAuthorizers",
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "lambda-authorizer",
  defaultDimensions: { function: process.env.AWS_LAMBDA_FUNCTION_NAME ?? "local" },
});

/** Name of the per-decision metric. */
export const DECISION_METRIC = "AuthorizerDecision";

/**
 * Emit the decision's metric now (one EMF line), reusing the one client: the per-call dimension and
 * metadata are cleared by the flush. Never throws: metrics must not change an answer.
 */
export function recordDecision(decision: "allow" | "deny" | "unauthenticated", reason: ReasonCode): void {
  try {
    metrics.addDimension("outcome", decision);
    metrics.addMetadata("reason", reason);
    metrics.addMetric(DECISION_METRIC, MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
  } catch {
    // A metrics failure is not an authorization failure: the decision line is already logged.
  }
}
