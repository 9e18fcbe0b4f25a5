/**
 * A broker of the test's own (src/engine/kafka/managed-broker.ts), for tests that stop and
 * restart it: the shared broker on 9092 serves the other tests running at the same time
 * and must stay up.
 */
export { startManagedBroker as startPrivateBroker, type ManagedBroker as PrivateBroker } from '../../src/engine/kafka/managed-broker.js';
