import t from 'tap';
t.test('probe', async (t) => {
  const m = new Map([[1, 2]]);
  let n = 0;
  for (const _ of m) n++;
  t.comment(`mapiter=${n}`);
  t.pass();
});
