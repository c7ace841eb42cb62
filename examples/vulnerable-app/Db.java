import java.sql.*;
class Db {
  void q(Connection c, String name) throws Exception {
    Statement st = c.createStatement();
    st.executeQuery("SELECT * FROM u WHERE n = " + name);
  }
}
