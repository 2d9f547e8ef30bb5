const url = process.argv[2];
const header =
  "female,senior_citizen,partner,dependents,tenure,phone_service,multiple_lines,internet_service,online_security,online_backup,device_protection,tech_support,streaming_tv,streaming_movies,contract,paperless_billing,payment_method,monthly_charges,total_charges";
for (const [type, body] of [
  ["text/csv", `${header}\n"${"x".repeat(1.2 * 1024 * 1024)}`],
  ["application/x-ndjson", `{"a":"${"x".repeat(1.2 * 1024 * 1024)}`],
  ["text/csv", `${header}\n"Biscoe`],
]) {
  const t = performance.now();
  try {
    const r = await fetch(url, {
      method: "POST",
      headers: { "content-type": type },
      body,
      signal: AbortSignal.timeout(10000),
    });
    console.log(type, r.status, (await r.text()).slice(0, 300), (performance.now() - t).toFixed(0), "ms");
  } catch (e) {
    console.log(type, "error", e.cause?.code ?? e.message, (performance.now() - t).toFixed(0), "ms");
  }
}
