// What a team changes without editing a rule or a panel: override any key, e.g.
//   (import 'mixin.libsonnet') + { _config+:: { jobSelector: 'job="rca-bridge"' } }
{
  _config+:: {
    // Selects the exporter's own series in every rule and every dashboard query: the label
    // matcher(s) of the scrape job, as written inside PromQL braces.
    jobSelector: 'job="causely-exporter"',

    // CauselyHighRootCausePersisting: a High root cause older than this pages as warning.
    highRootCausePersistingSeconds: 1800,
    // CauselyRootCauseImpactingServices: a root cause impacting this many services or more.
    impactedServicesThreshold: 3,
    // CauselyDataStale: no fully successful cycle for this many collection intervals.
    staleCollectionIntervals: 3,
    // CauselyApiErrors: share of non-2xx API attempts over 10 minutes.
    apiErrorRatio: 0.1,
    // CauselyAlertmanagerNotificationsFailing: share of failed sends to one Alertmanager.
    notificationFailureRatio: 0.1,
    // CauselyAlertmanagerReadsFailing: share of failed reads of one Alertmanager's alerts,
    // with at least readFailuresMin failed reads (one failed read extends nothing that time,
    // but the next read still comes before the alerts' endsAt).
    readFailureRatio: 0.2,
    readFailuresMin: 2,

    // Each alert's runbook_url is this plus the alert's anchor.
    runbookBase: 'https://github.com/causely-exporter/causely-exporter/blob/main/docs/runbooks.md#',
  },
}
