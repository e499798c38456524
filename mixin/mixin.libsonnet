// The causely-exporter monitoring mixin: rules, alerts and dashboards from one _config.
// scripts/gen_mixin.py renders it into deploy/prometheus/ and grafana/dashboards/.
(import 'config.libsonnet') +
(import 'rules.libsonnet') +
(import 'alerts.libsonnet') +
(import 'dashboards.libsonnet')
