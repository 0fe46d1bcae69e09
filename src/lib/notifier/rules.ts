/**
 * The bridge from rules to the notifier (Prometheus' rules.SendAlerts): firing and resolved alerts
 * become Alertmanager alerts with startsAt = firedAt, endsAt = resolvedAt or validUntil, and a
 * generatorURL pointing at the expression in the external URL's graph page.
 */
import type { Alert, NotifyFunc } from '../rules/types.js';
import { tableLinkForExpression } from '../template/prometheus.js';
import type { NotifierAlert } from './notifier.js';

export interface AlertSender {
  send(alerts: readonly NotifierAlert[]): void;
}

export function toNotifierAlert(a: Alert, expr: string, externalURL: string): NotifierAlert {
  return {
    labels: a.labels,
    annotations: a.annotations,
    startsAt: a.firedAt,
    endsAt: a.resolvedAt !== 0 ? a.resolvedAt : a.validUntil,
    generatorURL: externalURL + tableLinkForExpression(expr),
  };
}

/** A NotifyFunc for the rules manager that sends through `sender` (a Notifier). */
export function sendAlertsFunc(sender: AlertSender, externalURL: string): NotifyFunc {
  return (expr, alerts) => {
    if (alerts.length === 0) return;
    sender.send(alerts.map((a) => toNotifierAlert(a, expr, externalURL)));
  };
}
