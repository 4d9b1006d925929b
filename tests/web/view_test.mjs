// The live view in a real browser (Debian's Chromium, headless, driven by
// puppeteer-core): 4 nodes agreeing; a partition made from the page, the
// tree forking and the nodes taking two colours, then grouped by tip (a
// circle per side, the links between counted and cut); heal from the page
// and convergence; a link cut from the page and drawn cut; a refused
// action's CLI error shown. Prints TAP; saves fork.png and the final page in OUTDIR.
//
//   node tests/web/view_test.mjs URL OUTDIR
import puppeteer from "puppeteer-core";

const [url, outdir] = process.argv.slice(2);
let n = 0, failed = 0;
const ok = (pass, name, why) => {
  n++;
  if (pass) console.log(`ok ${n} - ${name}`);
  else { failed++; console.log(`not ok ${n} - ${name}`); if (why) console.log(`# ${why}`); }
};

// Polls fn in the page until it returns true (never a fixed sleep).
async function until(page, name, fn, seconds, ...args) {
  try {
    await page.waitForFunction(fn, {timeout: seconds * 1000, polling: 100}, ...args);
    ok(true, name);
    return true;
  } catch (e) {
    ok(false, name, `not seen within ${seconds} s`);
    return false;
  }
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1400,1150"],
});
try {
  const page = await browser.newPage();
  await page.setViewport({width: 1400, height: 1150});
  const requests = [];
  page.on("request", r => requests.push(r.url()));
  const resp = await page.goto(url, {waitUntil: "domcontentloaded"});
  ok(resp.status() == 200, "the page loads with the token");

  await until(page, "4 nodes drawn, all agreeing on one tip", () => {
    const nodes = document.querySelectorAll("#network .node");
    const tips = new Set([...nodes].map(g => g.dataset.tip));
    return nodes.length == 4 && tips.size == 1 && !tips.has("") &&
      document.getElementById("agree").textContent.includes("agree");
  }, 60);
  await until(page, "the block tree shows the chain", () =>
    document.querySelectorAll("#tree rect[data-kind=trunk]").length >= 2, 60);

  // Partition from the page: nodes 0,1 against 2,3 (the default grouping).
  await page.click("#f-partition button[type=submit]");
  await until(page, "the partition command ran", () =>
    document.getElementById("output").dataset.ok == "1", 30);
  await until(page, "the summary names the partition", () =>
    document.getElementById("summary").textContent.includes("partition 0,1/2,3"), 10);
  await until(page, "the links between the sides are drawn cut", () =>
    document.querySelectorAll('#network line[data-state=cut]').length == 8, 10);
  await until(page, "the nodes take two colours, the tree a side branch", () => {
    const fills = new Set([...document.querySelectorAll("#network .node circle")].map(c => c.getAttribute("fill")));
    return fills.size == 2 && document.querySelectorAll("#tree rect[data-kind=side]").length > 0;
  }, 90);
  await until(page, "the fork is labelled with the fault in force", () =>
    [...document.querySelectorAll("#tree .forklabel")].some(t => t.textContent.includes("partition 0,1/2,3")), 10);
  // Grouped by tip, as the view draws more than 48 nodes: a circle per side,
  // the four links between the sides counted and cut.
  await page.click("#group-tips");
  await until(page, "grouped by tip: nodes 0-1 and 2-3, the 4 links between them cut", () => {
    const g = [...document.querySelectorAll("#network .group")];
    const l = [...document.querySelectorAll("#network .grouplink")];
    return g.length == 2 && g.map(x => x.dataset.nodes).sort().join() == "0-1,2-3" &&
      g.every(x => x.dataset.count == "2") &&
      l.length == 1 && l[0].dataset.links == "4" && l[0].dataset.cut == "4";
  }, 30);
  await page.screenshot({path: `${outdir}/grouped.png`});
  await page.click("#group-tips");
  await until(page, "and one circle per node again when unticked", () =>
    document.querySelectorAll("#network .node").length == 4 &&
    document.querySelectorAll("#network .group").length == 0, 10);
  await page.screenshot({path: `${outdir}/fork.png`});
  ok(true, `screenshot of the fork saved in ${outdir}/fork.png`);

  // Heal from the page: one tip again, everywhere.
  await page.click("#b-heal");
  await until(page, "the heal command ran", () =>
    document.getElementById("output").dataset.ok == "1" &&
    document.getElementById("output").textContent.includes("heal"), 30);
  await until(page, "after heal every node converges on one tip", () => {
    const tips = new Set([...document.querySelectorAll("#network .node")].map(g => g.dataset.tip));
    return tips.size == 1 && document.getElementById("agree").textContent.includes("agree") &&
      document.querySelectorAll('#network line[data-state=cut]').length == 0;
  }, 90);
  await until(page, "the timeline shows the partition, the heal and a reorganisation", () => {
    const t = document.getElementById("timeline").textContent;
    return t.includes("partition 0,1/2,3") && t.includes("heal") && t.includes("reorganised");
  }, 30);

  // Cut one link, one way, from the page.
  const edge = await page.$eval("#link-edge", s => s.options[0].value);
  await page.select("#link-edge", edge);
  await page.select("#link-dir", ">");
  await page.click('[data-link="cut"]');
  await until(page, `a one-way cut of ${edge.replace("-", ">")} is drawn on that direction only`, e => {
    const l = [...document.querySelectorAll(`#network line[data-edge="${e}"]`)];
    const s = Object.fromEntries(l.map(x => [x.dataset.dir, x.dataset.state]));
    return l.length == 2 && s.ab == "cut" && s.ba != "cut";
  }, 20, edge);
  await page.click('[data-link="up"]');
  await until(page, "restored, the link is drawn up again", () =>
    [...document.querySelectorAll('#network line[data-state=cut]')].length == 0, 20);

  // A refused action shows the CLI's error message.
  await page.$eval("#skew-s", e => { e.value = "999999999"; });
  await page.click('[data-cmd="skew"]');
  await until(page, "a refused command shows the CLI's error", () => {
    const o = document.getElementById("output");
    return o.dataset.ok == "0" && o.textContent.includes("flint-testnet: error:");
  }, 20);

  ok(requests.every(u => u.startsWith(new URL(url).origin)), "nothing is loaded from elsewhere",
    requests.filter(u => !u.startsWith(new URL(url).origin)).join(" "));
  await page.screenshot({path: `${outdir}/final.png`});
} catch (e) {
  ok(false, "the browser test ran to its end", String(e));
} finally {
  await browser.close();
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
