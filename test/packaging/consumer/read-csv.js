// Deno: reading a CSV file by path needs --allow-read; without it, a typed error that says so.
import { Dataset } from 'minibatch';

const file = new URL('./node_modules/minibatch/data/breast-cancer.csv', import.meta.url);
await Dataset.fromCSV(file, { target: 'malignant' }).then(
  (d) => console.log(JSON.stringify({ rows: d.rows })),
  (e) => console.log(JSON.stringify({ code: e.code, message: e.message })),
);
