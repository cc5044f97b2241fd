/**
 * Produces sample click events to the `clicks` topic: `npx tsx topologies/generate-clicks.ts [count] [ratePerSec]`.
 * Uses KAFKA_BROKERS (default 127.0.0.1:19092). About 5% are bots and 2% lack a user, so filtering shows.
 */
import { Kafka, logLevel } from 'kafkajs';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const count = Number(process.argv[2] ?? 10_000);
const ratePerSec = Number(process.argv[3] ?? 1_000);
const paths = ['/', '/Products', '/products/42', '/cart/', '/checkout', '/search?q=socks'];

const kafka = new Kafka({ clientId: 'sluice-click-generator', brokers, logLevel: logLevel.WARN });
const producer = kafka.producer();
await producer.connect();
const batch = 100;
for (let sent = 0; sent < count; sent += batch) {
  const messages = [];
  for (let i = sent; i < Math.min(count, sent + batch); i++) {
    const user = `user-${i % 97}`;
    const bot = i % 20 === 0;
    const anonymous = i % 50 === 7;
    messages.push({
      key: `session-${i % 13}`,
      value: JSON.stringify({
        userId: anonymous ? null : user,
        url: `https://shop.example${paths[i % paths.length]}`,
        userAgent: bot ? 'Googlebot/2.1' : 'Mozilla/5.0',
        ts: Date.now(),
      }),
    });
  }
  await producer.send({ topic: 'clicks', messages });
  await new Promise((r) => setTimeout(r, (batch / ratePerSec) * 1000));
}
await producer.disconnect();
console.log(`sent ${count} clicks to ${brokers.join(',')}`);
