// Recording rules: causely-exporter.recording and causely-exporter.time-to-resolve.
// Every selector of the exporter's own series carries $._config.jobSelector.
{
  prometheusRules+:: {
    groups+: [
      {
        name: "causely-exporter.recording",
        rules: [
          // Active root causes per scope and Causely severity. The inner `max` keeps one copy of
          // each series that two replicas both export; the `sum` then adds distinct series.
          {
            record: "scope_severity:causely_active_defects:sum",
            expr: |||
              sum by (scope, severity) (
                max by (scope, severity, entity_type, defect_name) (causely_active_defects{%(jobSelector)s})
              )
            ||| % $._config,
          },
          // Active root causes per scope and entity type.
          {
            record: "scope_entity_type:causely_active_defects:sum",
            expr: |||
              sum by (scope, entity_type) (
                max by (scope, severity, entity_type, defect_name) (causely_active_defects{%(jobSelector)s})
              )
            ||| % $._config,
          },
          // CauseFlow incidents per severity and status.
          {
            record: "severity_status:causeflow_incidents:sum",
            expr: |||
              sum by (severity, status) (
                max by (severity, status, source) (causeflow_incidents{%(jobSelector)s})
              )
            ||| % $._config,
          },
          // API rules: every replica calls the APIs itself. The value is that of the busiest
          // replica (what one exporter costs), the same with one replica or two.
          // Causely / CauseFlow API attempts per second, per operation and HTTP code.
          {
            record: "operation_code:causely_exporter_api_requests:rate5m",
            expr: "max by (operation, code) (rate(causely_exporter_api_requests_total{%(jobSelector)s}[5m]))" % $._config,
          },
          // Share of API attempts that did not return 2xx (incl. timeout / connection_error);
          // 0 (not absent) for an operation without any failed attempt. Computed per replica
          // (`without (code)` keeps the target labels), then the worst replica.
          {
            record: "operation:causely_exporter_api_request_failures_per_requests:ratio_rate10m",
            expr: |||
              max by (operation) (
                (
                  sum without (code) (rate(causely_exporter_api_requests_total{%(jobSelector)s, code!~"2.."}[10m]))
                  or
                  0 * sum without (code) (rate(causely_exporter_api_requests_total{%(jobSelector)s}[10m]))
                )
                /
                sum without (code) (rate(causely_exporter_api_requests_total{%(jobSelector)s}[10m]))
              )
            ||| % $._config,
          },
          // Retries per second, per operation and reason.
          {
            record: "operation_reason:causely_exporter_api_retries:rate5m",
            expr: "max by (operation, reason) (rate(causely_exporter_api_retries_total{%(jobSelector)s}[5m]))" % $._config,
          },
          // Failed calls per second, per operation and error code.
          {
            record: "operation_error:causely_exporter_api_errors:rate5m",
            expr: "max by (operation, error) (rate(causely_exporter_api_errors_total{%(jobSelector)s}[5m]))" % $._config,
          },
        ],
      },
      // -- time to resolve
      // Two replicas observe the same clears: `max by (le, scope, severity)` of the rate keeps
      // one replica's view per scope (the one that saw most, e.g. not the one just restarted);
      // only then are scopes summed. Summing the raw series would count every clear twice.
      {
        name: "causely-exporter.time-to-resolve",
        rules: [
          // Median / 90th percentile time to resolve of root causes over 1h, per severity.
          {
            record: "severity:causely_defect_time_to_resolve_seconds:p50_rate1h",
            expr: |||
              histogram_quantile(0.5,
                sum by (le, severity) (
                  max by (le, scope, severity) (rate(causely_defect_time_to_resolve_seconds_bucket{%(jobSelector)s}[1h]))
                )
              )
            ||| % $._config,
          },
          {
            record: "severity:causely_defect_time_to_resolve_seconds:p90_rate1h",
            expr: |||
              histogram_quantile(0.9,
                sum by (le, severity) (
                  max by (le, scope, severity) (rate(causely_defect_time_to_resolve_seconds_bucket{%(jobSelector)s}[1h]))
                )
              )
            ||| % $._config,
          },
          // Root causes that cleared in the last hour, per severity.
          {
            record: "severity:causely_defect_time_to_resolve_seconds_count:increase1h",
            expr: |||
              sum by (severity) (
                max by (scope, severity) (increase(causely_defect_time_to_resolve_seconds_count{%(jobSelector)s}[1h]))
              )
            ||| % $._config,
          },
          // The same for CauseFlow incidents leaving the open statuses.
          {
            record: "severity:causeflow_incident_time_to_resolve_seconds:p50_rate1h",
            expr: |||
              histogram_quantile(0.5,
                max by (le, severity) (rate(causeflow_incident_time_to_resolve_seconds_bucket{%(jobSelector)s}[1h]))
              )
            ||| % $._config,
          },
          {
            record: "severity:causeflow_incident_time_to_resolve_seconds:p90_rate1h",
            expr: |||
              histogram_quantile(0.9,
                max by (le, severity) (rate(causeflow_incident_time_to_resolve_seconds_bucket{%(jobSelector)s}[1h]))
              )
            ||| % $._config,
          },
        ],
      },
    ],
  },
}
