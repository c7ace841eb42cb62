const cp = require("child_process");
function h(req, res) {
  cp.exec(`ls ${req.query.dir}`, (e) => {});
  res.redirect(req.query.next);
  document.getElementById("x").innerHTML = req.body.html;
  el.innerHTML = "<b>static</b>";
}
