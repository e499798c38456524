// Alerting rules: per root cause (causely-exporter.root-causes), the exporter itself
// (causely-exporter.alerts) and SLOs (causely-exporter.slos).
// Every selector of the exporter's own series carries $._config.jobSelector.
{
  prometheusAlerts+:: {
    groups+: [
      // One alert per root cause or CauseFlow incident. Leave this group out when the bridge
      // (`alertmanager:` config section) sends these alerts: see the header.
      {
        name: "causely-exporter.root-causes",
        rules: [
          // One alert per Critical defect. `for` is 1m on purpose (at most 1m, see header).
          {
            alert: "CauselyCriticalRootCause",
            expr: |||
              max by (scope, defect_id, defect_name, entity_name, entity_type, cluster, namespace) (
                causely_defect_info{%(jobSelector)s, severity="Critical"}
              )
            ||| % $._config,
            'for': "1m",
            labels: {
              severity: "critical",
            },
            annotations: {
              summary: "Critical root cause {{ $labels.defect_name }} on {{ $labels.entity_name }} (scope {{ $labels.scope }})",
              description: "Causely reports a Critical root cause {{ $labels.defect_name }} on {{ $labels.entity_type }} {{ $labels.entity_name }} in scope {{ $labels.scope }} (defect {{ $labels.defect_id }}).",
              portal_url: "https://portal.causely.app/rootCauses/{{ $labels.defect_id }}",
              runbook_url: $._config.runbookBase + "causelycriticalrootcause",
            },
          },
          // Value: seconds since the defect started (Causely fromTime). Fires once a High
          // defect is older than 30 minutes and has been High for 5 minutes here, so an
          // exporter or Prometheus restart does not restart the 30 minute clock.
          {
            alert: "CauselyHighRootCausePersisting",
            expr: |||
              (
                time() - max by (scope, defect_id) (causely_defect_start_timestamp_seconds{%(jobSelector)s})
              )
              * on (scope, defect_id) group_left (defect_name, entity_name, entity_type, cluster, namespace)
                max by (scope, defect_id, defect_name, entity_name, entity_type, cluster, namespace) (
                  causely_defect_info{%(jobSelector)s, severity="High"}
                )
              > %(highRootCausePersistingSeconds)s
            ||| % $._config,
            'for': "5m",
            labels: {
              severity: "warning",
            },
            annotations: {
              summary: "High root cause {{ $labels.defect_name }} on {{ $labels.entity_name }} active for {{ $value | humanizeDuration }} (scope {{ $labels.scope }})",
              description: "Causely has reported the High root cause {{ $labels.defect_name }} on {{ $labels.entity_type }} {{ $labels.entity_name }} in scope {{ $labels.scope }} for {{ $value | humanizeDuration }} (defect {{ $labels.defect_id }}).",
              portal_url: "https://portal.causely.app/rootCauses/{{ $labels.defect_id }}",
              runbook_url: $._config.runbookBase + "causelyhighrootcausepersisting",
            },
          },
          // Value: number of services the defect impacts. Hidden defects are ignored.
          // The defect's own severity is kept as `defect_severity` (`severity` is the
          // alert's routing severity).
          {
            alert: "CauselyRootCauseImpactingServices",
            expr: |||
              max by (scope, defect_id) (causely_defect_impacted_services{%(jobSelector)s})
              * on (scope, defect_id) group_left (defect_name, entity_name, entity_type, cluster, namespace, defect_severity)
                max by (scope, defect_id, defect_name, entity_name, entity_type, cluster, namespace, defect_severity) (
                  label_replace(causely_defect_info{%(jobSelector)s, severity!="Hidden"}, "defect_severity", "$1", "severity", "(.*)")
                )
              >= %(impactedServicesThreshold)s
            ||| % $._config,
            'for': "5m",
            labels: {
              severity: "warning",
            },
            annotations: {
              summary: "Root cause {{ $labels.defect_name }} on {{ $labels.entity_name }} impacts {{ $value }} services (scope {{ $labels.scope }})",
              description: "The {{ $labels.defect_severity }} root cause {{ $labels.defect_name }} on {{ $labels.entity_type }} {{ $labels.entity_name }} in scope {{ $labels.scope }} impacts {{ $value }} services (defect {{ $labels.defect_id }}).",
              portal_url: "https://portal.causely.app/rootCauses/{{ $labels.defect_id }}",
              runbook_url: $._config.runbookBase + "causelyrootcauseimpactingservices",
            },
          },
          // Value: number of critical incidents not resolved or closed (the inner `max` counts
          // each combination once when two replicas export it).
          {
            alert: "CauseFlowCriticalIncidentOpen",
            expr: |||
              sum(
                max by (severity, status, source) (
                  causeflow_incidents{%(jobSelector)s, severity="critical", status!~"resolved|closed"}
                )
              ) > 0
            ||| % $._config,
            'for': "1m",
            labels: {
              severity: "critical",
            },
            annotations: {
              summary: "{{ $value }} critical CauseFlow incident(s) open",
              description: "{{ $value }} critical CauseFlow incident(s) are not resolved or closed:{{ range query `max by (incident_id, title, status) (causeflow_incident_info{%(jobSelector)s, severity=\"critical\", status!~\"resolved|closed\"})` | sortByLabel \"incident_id\" }} {{ .Labels.title }} ({{ .Labels.incident_id }}, {{ .Labels.status }});{{ end }}" % $._config,
              runbook_url: $._config.runbookBase + "causeflowcriticalincidentopen",
            },
          },
        ],
      },
      {
        name: "causely-exporter.alerts",
        rules: [
          // -- series caps
          // Per scope, the same with one replica or two.
          {
            alert: "CauselyDefectSeriesDropped",
            expr: "max by (job, scope) (causely_defect_series_dropped{%(jobSelector)s}) > 0" % $._config,
            'for': "30m",
            labels: {
              severity: "info",
            },
            annotations: {
              summary: "{{ $value }} active root causes in scope {{ $labels.scope }} have no per-defect series",
              description: "The exporter (job {{ $labels.job }}) left {{ $value }} active defects of scope {{ $labels.scope }} out of causely_defect_info because of causely.max_defect_series; per-defect alerts do not cover them.",
              runbook_url: $._config.runbookBase + "causelydefectseriesdropped",
            },
          },
          {
            alert: "CauseFlowIncidentSeriesDropped",
            expr: "max by (job) (causeflow_incident_series_dropped{%(jobSelector)s}) > 0" % $._config,
            'for': "30m",
            labels: {
              severity: "info",
            },
            annotations: {
              summary: "{{ $value }} CauseFlow incidents have no per-incident series",
              description: "The exporter (job {{ $labels.job }}) left {{ $value }} CauseFlow incidents out of causeflow_incident_info because of causeflow.max_incident_series.",
              runbook_url: $._config.runbookBase + "causeflowincidentseriesdropped",
            },
          },
          // -- CauseFlow
          {
            alert: "CauseFlowDown",
            expr: "causeflow_up{%(jobSelector)s} == 0" % $._config,
            'for': "10m",
            labels: {
              severity: "warning",
            },
            annotations: {
              summary: "CauseFlow collection failing on {{ $labels.instance }}",
              description: "The last CauseFlow collections of the exporter on {{ $labels.instance }} failed for 10 minutes; causeflow_* metrics are stale and CauseFlow alerts may be missed.",
              runbook_url: $._config.runbookBase + "causeflowdown",
            },
          },
          // -- the exporter
          {
            alert: "CauselyExporterDown",
            expr: "up{%(jobSelector)s} == 0" % $._config,
            'for': "5m",
            labels: {
              severity: "critical",
            },
            annotations: {
              summary: "causely-exporter {{ $labels.instance }} is down",
              description: "Prometheus has failed to scrape causely-exporter on {{ $labels.instance }} for 5 minutes; no root cause or incident alerts can fire (nor can the bridge page): this pages because the alert path itself is down.",
              runbook_url: $._config.runbookBase + "causelyexporterdown",
            },
          },
          {
            alert: "CauselyExporterAbsent",
            expr: "absent(up{%(jobSelector)s})" % $._config,
            'for': "10m",
            labels: {
              severity: "critical",
            },
            annotations: {
              summary: "No causely-exporter target in Prometheus",
              description: "Prometheus has had no target for job {{ $labels.job }} for 10 minutes (scrape configuration or service discovery); no root cause or incident alerts can fire: this pages because the alert path itself is gone.",
              runbook_url: $._config.runbookBase + "causelyexporterabsent",
            },
          },
          {
            alert: "CauselyExporterConfigReloadFailed",
            expr: "causely_exporter_config_last_reload_successful{%(jobSelector)s} == 0" % $._config,
            'for': "10m",
            labels: {
              severity: "warning",
            },
            annotations: {
              summary: "causely-exporter {{ $labels.instance }} runs its previous configuration",
              description: "The last configuration reload (SIGHUP) of the exporter on {{ $labels.instance }} failed and has not been fixed for 10 minutes; it keeps running the configuration it had, and a restart would fail on the same file.",
              runbook_url: $._config.runbookBase + "causelyexporterconfigreloadfailed",
            },
          },
          // Value: seconds since the last cycle in which every enabled source succeeded.
          {
            alert: "CauselyDataStale",
            expr: |||
              time() - causely_exporter_last_success_timestamp_seconds{%(jobSelector)s}
                > %(staleCollectionIntervals)s * causely_exporter_collection_interval_seconds{%(jobSelector)s}
            ||| % $._config,
            'for': "5m",
            labels: {
              severity: "warning",
            },
            annotations: {
              summary: "causely-exporter data on {{ $labels.instance }} is {{ $value | humanizeDuration }} old",
              description: "The exporter on {{ $labels.instance }} has not completed a fully successful collection for {{ $value | humanizeDuration }} (more than 3 collection intervals); the values it serves are stale.",
              runbook_url: $._config.runbookBase + "causelydatastale",
            },
          },
          {
            alert: "CauselyScopeFailing",
            expr: "causely_scope_up{%(jobSelector)s} == 0" % $._config,
            'for': "10m",
            labels: {
              severity: "warning",
            },
            annotations: {
              summary: "Causely scope {{ $labels.scope }} cannot be collected",
              description: "The exporter on {{ $labels.instance }} has failed to collect scope {{ $labels.scope }} for 10 minutes; that scope keeps serving its last good values.",
              runbook_url: $._config.runbookBase + "causelyscopefailing",
            },
          },
          // Value: share of non-2xx attempts (HTTP errors, timeout, connection_error) over
          // 10 minutes; at least 3 failed attempts so a single blip does not fire.
          {
            alert: "CauselyApiErrors",
            expr: |||
              (
                sum by (job, instance, operation) (rate(causely_exporter_api_requests_total{%(jobSelector)s, code!~"2.."}[10m]))
                /
                sum by (job, instance, operation) (rate(causely_exporter_api_requests_total{%(jobSelector)s}[10m]))
              ) > %(apiErrorRatio)s
              and
              sum by (job, instance, operation) (increase(causely_exporter_api_requests_total{%(jobSelector)s, code!~"2.."}[10m])) >= 3
            ||| % $._config,
            'for': "5m",
            labels: {
              severity: "warning",
            },
            annotations: {
              summary: "{{ $value | humanizePercentage }} of {{ $labels.operation }} API requests fail",
              description: "Over the last 10 minutes {{ $value | humanizePercentage }} of the {{ $labels.operation }} requests of the exporter on {{ $labels.instance }} did not return 2xx.",
              runbook_url: $._config.runbookBase + "causelyapierrors",
            },
          },
          // Value: HTTP 429 answers in the last 10 minutes.
          {
            alert: "CauselyApiRateLimited",
            expr: |||
              sum by (job, instance, operation) (increase(causely_exporter_api_requests_total{%(jobSelector)s, code="429"}[10m])) > 0
            ||| % $._config,
            'for': "10m",
            labels: {
              severity: "warning",
            },
            annotations: {
              summary: "{{ $labels.operation }} API requests are rate limited",
              description: "The exporter on {{ $labels.instance }} received {{ $value | printf \"%.0f\" }} HTTP 429 answers for {{ $labels.operation }} in the last 10 minutes, continuously for 10 minutes.",
              runbook_url: $._config.runbookBase + "causelyapiratelimited",
            },
          },
          // -- the Alertmanager bridge
          // Value: the share of the bridge's requests to one Alertmanager that failed over 5
          // minutes (notifications_total counts the accepted ones, failed_total the others).
          // Per replica and Alertmanager: the bridge sends to every Alertmanager independently,
          // so one unreachable replica shows here alone.
          {
            alert: "CauselyAlertmanagerNotificationsFailing",
            expr: |||
              rate(causely_exporter_alertmanager_notifications_failed_total{%(jobSelector)s}[5m])
                / (
                  rate(causely_exporter_alertmanager_notifications_failed_total{%(jobSelector)s}[5m])
                  + rate(causely_exporter_alertmanager_notifications_total{%(jobSelector)s}[5m])
                )
              > %(notificationFailureRatio)s
            ||| % $._config,
            'for': "10m",
            labels: {
              severity: "warning",
            },
            annotations: {
              summary: "causely-exporter {{ $labels.instance }} cannot notify Alertmanager {{ $labels.alertmanager }}",
              description: "For 10 minutes, more than 10% of the notifications the exporter on {{ $labels.instance }} sent to Alertmanager {{ $labels.alertmanager }} failed ({{ $value | humanizePercentage }}); root causes may not reach that Alertmanager.",
              runbook_url: $._config.runbookBase + "causelyalertmanagernotificationsfailing",
            },
          },
          // Value: the share of the bridge's reads of one Alertmanager's active alerts that
          // failed over 10 minutes (reads_total counts every read, failed_total the failed
          // ones among them), the worst replica. Reads happen only while some scope is stale,
          // once per resend interval: a failed read extends nothing there, so the root causes
          // that Alertmanager holds expire by endsAt during an API outage (a false all-clear).
          // Both replicas read the same Alertmanager during a shared outage and fail alike:
          // `max by` makes one alert per Alertmanager. At least readFailuresMin failed reads,
          // because the window outlasts the outage and one failed read is then a 100% ratio.
          {
            alert: "CauselyAlertmanagerReadsFailing",
            expr: |||
              max by (job, alertmanager) (
                (
                  rate(causely_exporter_alertmanager_reads_failed_total{%(jobSelector)s}[10m])
                    / rate(causely_exporter_alertmanager_reads_total{%(jobSelector)s}[10m])
                  > %(readFailureRatio)s
                )
                and
                increase(causely_exporter_alertmanager_reads_failed_total{%(jobSelector)s}[10m]) >= %(readFailuresMin)s
              )
            ||| % $._config,
            'for': "5m",
            labels: {
              severity: "warning",
            },
            annotations: {
              summary: "The Alertmanager bridge cannot read Alertmanager {{ $labels.alertmanager }}: stale root causes expire there",
              description: "Over the last 10 minutes {{ $value | humanizePercentage }} of the exporter's reads of the alerts Alertmanager {{ $labels.alertmanager }} holds failed (job {{ $labels.job }}, the worst replica), for 5 minutes; while Causely data is stale the bridge extends nothing there, so root causes may be notified resolved in that Alertmanager although still active.",
              runbook_url: $._config.runbookBase + "causelyalertmanagerreadsfailing",
            },
          },
          // Value: alerts the bridge left out in the last 10 minutes because of
          // alertmanager.max_alerts (the worst replica: both replicas drop the same alerts).
          {
            alert: "CauselyAlertmanagerAlertsDropped",
            expr: |||
              max by (job) (increase(causely_exporter_alertmanager_alerts_dropped_total{%(jobSelector)s}[10m])) > 0
            ||| % $._config,
            'for': "10m",
            labels: {
              severity: "warning",
            },
            annotations: {
              summary: "The Alertmanager bridge drops root cause alerts (max_alerts)",
              description: "The exporter (job {{ $labels.job }}) left {{ $value | printf \"%.0f\" }} alerts out of its notifications in the last 10 minutes because of alertmanager.max_alerts; those root causes do not page.",
              runbook_url: $._config.runbookBase + "causelyalertmanageralertsdropped",
            },
          },
        ],
      },
      // -- SLOs
      // One alert per SLO: `max by` its identity, so two replicas make one alert. Only SLOs
      // within causely.slos.max_series per scope have a series (most at risk first).
      {
        name: "causely-exporter.slos",
        rules: [
          {
            alert: "CauselySloViolated",
            expr: |||
              max by (scope, slo_id, slo_name, entity_name, entity_type) (
                causely_slo_info{%(jobSelector)s, state="VIOLATED"}
              )
            ||| % $._config,
            'for': "2m",
            labels: {
              severity: "critical",
            },
            annotations: {
              summary: "SLO {{ $labels.slo_name }} of {{ $labels.entity_name }} is violated (scope {{ $labels.scope }})",
              description: "Causely reports the SLO {{ $labels.slo_name }} of {{ $labels.entity_type }} {{ $labels.entity_name }} in scope {{ $labels.scope }} as VIOLATED (SLO {{ $labels.slo_id }}).",
              runbook_url: $._config.runbookBase + "causelysloviolated",
            },
          },
          // At risk for a while: a short blip while Causely re-evaluates does not notify.
          {
            alert: "CauselySloAtRisk",
            expr: |||
              max by (scope, slo_id, slo_name, entity_name, entity_type) (
                causely_slo_info{%(jobSelector)s, state="AT_RISK"}
              )
            ||| % $._config,
            'for': "15m",
            labels: {
              severity: "warning",
            },
            annotations: {
              summary: "SLO {{ $labels.slo_name }} of {{ $labels.entity_name }} at risk for 15 minutes (scope {{ $labels.scope }})",
              description: "Causely has reported the SLO {{ $labels.slo_name }} of {{ $labels.entity_type }} {{ $labels.entity_name }} in scope {{ $labels.scope }} as AT_RISK for at least 15 minutes (SLO {{ $labels.slo_id }}).",
              runbook_url: $._config.runbookBase + "causelysloatrisk",
            },
          },
        ],
      },
    ],
  },
}
