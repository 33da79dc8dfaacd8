/**
 * Who goes next when work waits: reconciles for a thread ({@link BothEndsQueue}) and installs and upgrades for a
 * Helm worker ({@link BothEndsGate}). Both serve the oldest waiting item and the newest in turn. First come, first
 * served alone lets a storm (Argo CD syncing 200 releases, an operator restart) hold back the one release a user
 * just created or changed for the storm's whole length; newest first alone could starve the oldest. In turns, the
 * newest waits for at most one item to finish, and no item waits more than twice as long as first come, first
 * served would make it wait (the front end moves at half speed or better).
 */
package io.helmop.operator.scheduling;
