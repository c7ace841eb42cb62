import subprocess, os, requests

def handler(req, cur):
    user = req.args.get("user")
    cur.execute("SELECT * FROM users WHERE name = '%s'" % user)
    cur.execute("SELECT * FROM users WHERE name = %s", (user,))
    cur.execute(f"DELETE FROM t WHERE id = {user}")
    cur.execute("SELECT 1" + user)
    subprocess.call(user, shell=True)
    subprocess.run(["ls", user], shell=False)
    os.system("ls " + user)
    requests.get("https://x", verify=False, timeout=3)
    requests.post(url, data=1, verify=False)
