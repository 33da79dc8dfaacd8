package io.helmop.operator.config;

import java.time.Duration;
import java.util.Optional;

/**
 * Leader election: the coordination.k8s.io Lease that lets one helmop process act while others stand by.
 *
 * @param enabled false only when asked for explicitly (one replica, local development)
 * @param namespace empty: the namespace the operator runs in (its service account's), else its kubeconfig's, else
 *     {@code default}
 */
public record LeaseSettings(boolean enabled, String name, Optional<String> namespace, Duration duration,
    Duration renewDeadline, Duration retryPeriod) {}
